"""E-mail: RFC 822 messages (.eml) and Outlook messages (.msg).

Addresses and subject are Segments (``field = "header:To"``); transport headers (Received,
X-...) are METADATA; text bodies are paragraphs, HTML bodies go through the HTML extractor's
logic (so hidden text in a mail is found too); attachments are child Documents
(``EMBEDDED_FILE``, one level deeper) which the pipeline hands to their own extractors.

.eml uses the standard library's ``email`` package (lenient: it records defects instead of
failing); .msg is a compound file read with olefile, following [MS-OXMSG]: properties are
``__substg1.0_TTTTKKKK`` streams (tag, then type: 001F UTF-16, 001E 8-bit, 0102 binary),
recipients and attachments are storages, an attached message is a nested storage.
"""

from __future__ import annotations

import dataclasses
import email
import email.errors
import email.header
import io
from collections.abc import Iterator
from email import policy
from email.message import Message
from typing import Any, ClassVar

from clearance import formats
from clearance.extractors.archive import safe_member_name
from clearance.extractors.html import html_text_extract
from clearance.extractors.text import MAX_SEGMENT_CHARS, paragraphs
from clearance.model import Document, Extracted, Location, Note, Segment, Unscannable, Visibility
from clearance.plugins import ExtractContext

EML = formats.EML
MSG = formats.MSG

# Messages are parsed whole; bigger ones are refused (attachments this large go by link).
MAX_EMAIL_BYTES = 256 * 1024 * 1024
MAX_PARTS = 10_000
# multipart inside multipart... deeper than this is built to break recursive parsers
MAX_MIME_DEPTH = 50
MAX_HEADERS = 1_000
# An attached message nested in an attached message... (.msg storages)
MAX_MSG_DEPTH = 10
MAX_ATTACHMENTS = 1_000

# Headers a mail client shows; their values are read as text.
SHOWN_HEADERS = ("from", "to", "cc", "subject", "reply-to", "date")
# Headers that hold nothing about people (or only signatures and encodings).
_SKIP_PREFIXES = (
    "content-",
    "mime-version",
    "dkim-",
    "arc-",
    "x-google-dkim",
    "x-gm-message-state",
    "x-ms-exchange-",
    "x-microsoft-antispam",
    "x-forefront-antispam",
)
# Defects that mean part of a body or attachment was not decoded.
_DECODE_DEFECTS = ("InvalidBase64", "InvalidBase64Padding", "InvalidBase64Characters", "InvalidBase64Length")

# .msg property tags ([MS-OXPROPS]) read as header fields
MSG_HEADERS = (
    ("0C1A", "header:From"),  # PidTagSenderName
    ("0C1F", "header:From"),  # PidTagSenderEmailAddress
    ("5D01", "header:From"),  # PidTagSenderSmtpAddress
    ("0042", "header:Sender"),  # PidTagSentRepresentingName
    ("0065", "header:Sender"),  # PidTagSentRepresentingEmailAddress
    ("0E04", "header:To"),  # PidTagDisplayTo
    ("0E03", "header:Cc"),  # PidTagDisplayCc
    ("0E02", "header:Bcc"),  # PidTagDisplayBcc
    ("0037", "header:Subject"),  # PidTagSubject
)
MSG_RECIPIENT = (("3001", "name"), ("3003", "address"), ("39FE", "smtp"))  # display, email, SMTP


def _decode_header(raw: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(raw)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        return raw


def _note(code: str, message: str, members: tuple[str, ...], blocking: bool = False) -> Note:
    return Note(
        code=code,
        message=message,
        location=Location(members=members),
        visibility=Visibility.EMBEDDED_FILE if blocking else Visibility.VISIBLE,
        blocking=blocking,
    )


def _child(doc: Document, name: str, data: bytes, media_type: str | None = None) -> Document:
    clean = safe_member_name(name)
    child = formats.document_from_bytes(
        data,
        f"{doc.path}!{clean}",
        members=(*doc.members, clean),
        depth=doc.depth + 1,
        visibility=Visibility.EMBEDDED_FILE,
    )
    return dataclasses.replace(child, media_type=media_type) if media_type else child


def _body_segments(doc: Document, text: str, field: str) -> Iterator[Segment]:
    for seg in paragraphs(doc, iter(io.StringIO(text))):
        yield dataclasses.replace(seg, location=dataclasses.replace(seg.location, field=field))


def _read(doc: Document) -> bytes:
    if doc.size > MAX_EMAIL_BYTES:
        raise Unscannable(f"e-mail over {MAX_EMAIL_BYTES:,} bytes is not parsed", "limit")
    with doc.open() as fh:
        data = fh.read(MAX_EMAIL_BYTES + 1)
    if len(data) > MAX_EMAIL_BYTES:
        raise Unscannable(f"e-mail over {MAX_EMAIL_BYTES:,} bytes is not parsed", "limit")
    return data


class EmailExtractor:
    """E-mail messages (.eml, .msg): headers, bodies, attachments as child documents."""

    name: ClassVar[str] = "email"
    media_types: ClassVar[tuple[str, ...]] = (EML, MSG)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        if doc.size == 0:
            return
        data = _read(doc)
        if doc.media_type == MSG or data.startswith(formats.CFB_MAGIC):
            yield from _Msg(doc, data, ctx.limits.chunk_rows).extract()
        else:
            yield from self._eml(doc, data, ctx.limits.chunk_rows)

    # -- .eml ------------------------------------------------------------------------------------
    def _eml(self, doc: Document, data: bytes, chunk_rows: int) -> Iterator[Extracted]:
        try:
            msg = email.message_from_bytes(data, policy=policy.default)
        except RecursionError:
            raise Unscannable("e-mail MIME structure nested too deeply", "limit") from None
        except Exception as exc:  # the parser is lenient; anything it raises means unreadable
            raise Unscannable(f"e-mail could not be parsed ({type(exc).__name__})", "corrupt") from None
        if not msg.keys():
            raise Unscannable("not an e-mail message: no header lines", "corrupt")
        yield from self._headers(doc, msg)
        visited: list[Message] = []
        parts = 0
        attachments = 0
        stack: list[tuple[Message, int]] = [(msg, 0)]
        while stack:
            part, depth = stack.pop()
            parts += 1
            if parts > MAX_PARTS:
                raise Unscannable(f"e-mail has more than {MAX_PARTS:,} MIME parts", "limit")
            if depth > MAX_MIME_DEPTH:
                raise Unscannable(f"e-mail MIME parts nested deeper than {MAX_MIME_DEPTH}", "limit")
            visited.append(part)
            ctype = part.get_content_type()
            if ctype == "message/rfc822":
                attachments += 1
                yield self._attached_message(doc, part, attachments)
                continue
            if part.is_multipart():
                sub = part.get_payload()
                if isinstance(sub, list):
                    stack.extend((p, depth + 1) for p in reversed(sub))
                continue
            filename = part.get_filename()
            disposition = part.get_content_disposition()
            if disposition == "attachment" or filename or ctype not in ("text/plain", "text/html"):
                attachments += 1
                yield from self._attachment(doc, part, filename, attachments)
                continue
            text = self._text_of(part)
            if ctype == "text/html":
                yield from html_text_extract(doc, text, chunk_rows)
            else:
                yield from _body_segments(doc, text, "body")
        # decoding a payload records its defects on the part, so they are gathered at the end
        defects = {type(d).__name__ for part in visited for d in part.defects}
        decode = sorted(d for d in defects if d.startswith(_DECODE_DEFECTS))
        other = sorted(defects - set(decode))
        if other:
            yield _note(
                "mime-defects",
                f"the message is malformed ({', '.join(other)[:300]}); it was read as far as possible",
                doc.members,
            )
        if decode:
            yield _note(
                "mime-undecodable",
                f"part of the message could not be decoded ({', '.join(decode)}); content may be missing",
                doc.members,
                blocking=True,
            )

    def _headers(self, doc: Document, msg: Message) -> Iterator[Segment]:
        for i, (name, raw) in enumerate(msg.raw_items()):
            if i >= MAX_HEADERS:
                break
            low = name.lower()
            if low.startswith(_SKIP_PREFIXES):
                continue
            value = " ".join(_decode_header(str(raw)).split())[:MAX_SEGMENT_CHARS]
            if not value:
                continue
            shown = low in SHOWN_HEADERS
            yield Segment(
                text=value,
                location=Location(field=f"header:{name}", members=doc.members),
                visibility=Visibility.VISIBLE if shown else Visibility.METADATA,
                context=(name,),
                role="text" if shown else "metadata",
            )

    @staticmethod
    def _text_of(part: Message) -> str:
        try:
            content = part.get_content()  # type: ignore[attr-defined]
            if isinstance(content, str):
                return content
        except (LookupError, UnicodeError, ValueError, KeyError, AttributeError):
            pass
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            return payload.decode("utf-8", errors="replace")
        return str(part.get_payload())

    def _attachment(self, doc: Document, part: Message, filename: str | None, n: int) -> Iterator[Extracted]:
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = str(part.get_payload()).encode("utf-8", "replace")
        name = filename or f"attachment-{n}"
        yield _child(doc, name, payload)

    def _attached_message(self, doc: Document, part: Message, n: int) -> Extracted:
        inner = part.get_payload()
        try:
            data = inner[0].as_bytes() if isinstance(inner, list) and inner else part.as_bytes()
        except Exception:  # re-serialising a broken message can fail in many ways
            return _note(
                "attachment-unreadable",
                f"attached message {n} could not be read",
                doc.members,
                blocking=True,
            )
        return _child(doc, f"attached-message-{n}.eml", data, EML)


class _Msg:
    """One Outlook .msg compound file, read within limits."""

    def __init__(self, doc: Document, data: bytes, chunk_rows: int) -> None:
        self.doc = doc
        self.data = data
        self.chunk_rows = chunk_rows
        self.ole: Any = None
        self.entries: set[tuple[str, ...]] = set()

    def extract(self) -> Iterator[Extracted]:
        import olefile  # lazy: only .msg files need it

        try:
            self.ole = olefile.OleFileIO(io.BytesIO(self.data))
            self.entries = {tuple(p) for p in self.ole.listdir(streams=True, storages=True)}
        except Exception as exc:  # olefile raises many types on hostile input
            raise Unscannable(
                f"Outlook message is corrupt or truncated ({type(exc).__name__})", "corrupt"
            ) from None
        try:
            if not any(e[0] == "__properties_version1.0" for e in self.entries):
                raise Unscannable("compound file is not an Outlook message", "format")
            yield from self._message((), self.doc.members, 0)
        except Unscannable:
            raise
        except Exception as exc:
            raise Unscannable(
                f"Outlook message could not be read ({type(exc).__name__})", "corrupt"
            ) from None
        finally:
            self.ole.close()

    def _stream(self, path: tuple[str, ...]) -> bytes | None:
        if path not in self.entries:
            return None
        if self.ole.get_type(list(path)) != 2:  # STGTY_STREAM
            return None
        if self.ole.get_size(list(path)) > MAX_EMAIL_BYTES:
            raise Unscannable("a stream of the Outlook message is over the size limit", "limit")
        with self.ole.openstream(list(path)) as fh:
            return bytes(fh.read())

    def _string(self, prefix: tuple[str, ...], tag: str) -> str | None:
        raw = self._stream((*prefix, f"__substg1.0_{tag}001F"))
        if raw is not None:
            return raw.decode("utf-16-le", errors="replace").rstrip("\x00")
        raw = self._stream((*prefix, f"__substg1.0_{tag}001E"))
        if raw is not None:
            return raw.decode("cp1252", errors="replace").rstrip("\x00")
        return None

    def _children(self, prefix: tuple[str, ...], start: str) -> list[tuple[str, ...]]:
        n = len(prefix)
        return sorted(
            e for e in self.entries if len(e) == n + 1 and e[:n] == prefix and e[n].startswith(start)
        )

    def _message(self, prefix: tuple[str, ...], members: tuple[str, ...], level: int) -> Iterator[Extracted]:
        if level > MAX_MSG_DEPTH:
            raise Unscannable(f"attached messages nested deeper than {MAX_MSG_DEPTH} levels", "limit")
        doc = dataclasses.replace(self.doc, members=members)

        def seg(
            text: str | None, field: str, vis: Visibility = Visibility.VISIBLE, role: str = "text"
        ) -> Iterator[Segment]:
            value = " ".join((text or "").split())[:MAX_SEGMENT_CHARS]
            if value:
                yield Segment(
                    text=value,
                    location=Location(field=field, members=members),
                    visibility=vis,
                    context=(field.removeprefix("header:"),),
                    role=role,
                )

        for tag, field in MSG_HEADERS:
            yield from seg(self._string(prefix, tag), field)
        headers = self._string(prefix, "007D")  # PidTagTransportMessageHeaders
        if headers:
            for line in headers.splitlines()[:MAX_HEADERS]:
                name = line.split(":", 1)[0].strip().lower()
                if line[:1].isspace() or not name.startswith(_SKIP_PREFIXES):
                    yield from seg(line, "header:transport", Visibility.METADATA, "metadata")
        for recip in self._children(prefix, "__recip_version1.0_"):
            for tag, what in MSG_RECIPIENT:
                yield from seg(self._string(recip, tag), f"recipient:{what}")
        body = self._string(prefix, "1000")
        if body:
            yield from _body_segments(doc, body, "body")
        html = self._string(prefix, "1013")
        if html is None:
            raw_html = self._stream((*prefix, "__substg1.0_10130102"))
            html = raw_html.decode("utf-8", errors="replace") if raw_html else None
        if html:
            yield from html_text_extract(doc, html, self.chunk_rows)
        if not body and not html and (*prefix, "__substg1.0_10090102") in self.entries:
            yield _note(
                "msg-rtf-body",
                "the message body is stored only as compressed RTF, which is not read",
                members,
                blocking=True,
            )
        attachments = self._children(prefix, "__attach_version1.0_")
        if len(attachments) > MAX_ATTACHMENTS:
            raise Unscannable(f"Outlook message has more than {MAX_ATTACHMENTS:,} attachments", "limit")
        for n, att in enumerate(attachments, 1):
            name = self._string(att, "3707") or self._string(att, "3704") or f"attachment-{n}"
            name = safe_member_name(name)
            data = self._stream((*att, "__substg1.0_37010102"))
            if data is not None:
                yield _child(doc, name, data)
                continue
            inner = (*att, "__substg1.0_3701000D")
            if inner in self.entries and (*inner, "__properties_version1.0") in self.entries:
                yield from self._message(inner, (*members, name), level + 1)
                continue
            yield _note(
                "attachment-unreadable",
                f"attachment {n} of the Outlook message (an embedded object) could not be inspected",
                members,
                blocking=True,
            )
