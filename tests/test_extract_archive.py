"""Archives: members as child Documents, nesting depth, bombs, encryption, corruption."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from collections.abc import Iterator

import pytest

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.archive import ArchiveExtractor, safe_member_name
from clearance.formats import document_from_bytes
from clearance.model import Document, Extracted, Note, Unscannable, Visibility
from clearance.plugins import ExtractContext, Extractor

CTX = ExtractContext(limits=Limits())
CSV = b"name,dob\nAna Garcia,1987-03-03\n"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _children(doc: Document, ctx: ExtractContext = CTX) -> list[Extracted]:
    return list(ArchiveExtractor().extract(doc, ctx))


def test_protocol() -> None:
    assert isinstance(ArchiveExtractor(), Extractor)


def test_zip_members_become_children_with_chains() -> None:
    data = _zip({"dir/": b"", "dir/people.csv": CSV, "readme.txt": b"hello\n", "../../etc/x.csv": CSV})
    doc = document_from_bytes(data, "upload/bundle.zip")
    assert doc.media_type == formats.ZIP
    kids = _children(doc)
    assert all(isinstance(k, Document) for k in kids)
    docs = [k for k in kids if isinstance(k, Document)]
    assert [d.path for d in docs] == [
        "upload/bundle.zip!dir/people.csv",
        "upload/bundle.zip!readme.txt",
        "upload/bundle.zip!__/__/etc/x.csv",
    ]
    assert [d.media_type for d in docs] == [formats.CSV, formats.TEXT, formats.CSV]
    assert docs[0].members == ("dir/people.csv",)
    assert {d.depth for d in docs} == {1}
    assert {d.visibility for d in docs} == {Visibility.ARCHIVE_MEMBER}
    assert docs[0].open().read() == CSV


def test_safe_member_names() -> None:
    assert safe_member_name("/abs/path.csv") == "abs/path.csv"
    assert safe_member_name("C:\\Users\\x.csv") == "Users/x.csv"
    assert safe_member_name("a/../b\x07.csv") == "a/__/b?.csv"
    assert safe_member_name("") == "(unnamed)"


def _run_like_pipeline(doc: Document, ctx: ExtractContext) -> Iterator[Document]:
    """What the pipeline does: recurse into children whose type this extractor handles."""
    for item in ArchiveExtractor().extract(doc, ctx):
        if isinstance(item, Document):
            yield item
            if item.media_type in ArchiveExtractor.media_types:
                yield from _run_like_pipeline(item, ctx)


def test_nested_zip_chain_and_depth_limit() -> None:
    data = _zip({"inner.csv": CSV})
    for level in range(10):
        data = _zip({f"level{level}.zip": data})
    doc = document_from_bytes(data, "deep.zip")
    limits = Limits(max_depth=4)
    seen: list[Document] = []
    with pytest.raises(Unscannable, match="nesting deeper than 4 levels") as exc:
        for child in _run_like_pipeline(doc, ExtractContext(limits=limits)):
            seen.append(child)
    assert exc.value.code == "depth"
    assert len(seen) == 4
    assert seen[-1].members == ("level9.zip", "level8.zip", "level7.zip", "level6.zip")
    assert seen[-1].path == "deep.zip!level9.zip!level8.zip!level7.zip!level6.zip"


def test_shallow_nesting_reaches_the_leaf() -> None:
    data = _zip({"a.zip": _zip({"people.csv": CSV})})
    kids = list(_run_like_pipeline(document_from_bytes(data, "x.zip"), CTX))
    assert kids[-1].media_type == formats.CSV and kids[-1].members == ("a.zip", "people.csv")
    assert kids[-1].depth == 2


def test_encrypted_member_is_unscannable() -> None:
    data = bytearray(_zip({"secret.csv": CSV}))
    # zipfile cannot write encrypted members: set the "encrypted" flag bit in both headers.
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    doc = document_from_bytes(bytes(data), "x.zip")
    with pytest.raises(Unscannable, match="encrypted"):
        _children(doc)


def test_truncated_zip_is_unscannable() -> None:
    data = _zip({"a.csv": CSV * 100, "b.csv": CSV})[:-30]
    doc = document_from_bytes(data, "x.zip")
    assert doc.media_type == formats.ZIP
    with pytest.raises(Unscannable, match="corrupt or truncated"):
        _children(doc)


def test_gzip_single_member() -> None:
    doc = document_from_bytes(gzip.compress(CSV), "dir/people.csv.gz")
    assert doc.media_type == formats.GZIP
    (child,) = _children(doc)
    assert isinstance(child, Document)
    assert child.path == "dir/people.csv.gz!people.csv" and child.media_type == formats.CSV
    assert child.members == ("people.csv",) and child.visibility is Visibility.ARCHIVE_MEMBER


def _zeros_gz(total: int) -> bytes:
    buf = io.BytesIO()
    block = b"\x00" * (1 << 20)
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=1) as gz:
        for _ in range(total // len(block)):
            gz.write(block)
    return buf.getvalue()


def test_gzip_bomb_is_unscannable() -> None:
    bomb = _zeros_gz(200 * 1024 * 1024)  # 200 MB of zeros, < 1 MB compressed
    doc = document_from_bytes(bomb, "bomb.gz")
    # caught by the ratio check long before the 512 MB member cap
    with pytest.raises(Unscannable, match="decompression bomb") as exc:
        _children(doc)
    assert exc.value.code == "bomb"
    # and a byte cap alone also stops it
    limits = Limits(max_member_bytes=4 * 1024 * 1024, max_compression_ratio=1e9)
    with pytest.raises(Unscannable, match="inflates past 4,194,304 bytes"):
        _children(doc, ExtractContext(limits=limits))


def test_truncated_gzip_is_unscannable() -> None:
    data = gzip.compress(CSV * 1000)[:-50]
    with pytest.raises(Unscannable, match="corrupt"):
        _children(document_from_bytes(data, "x.gz"))


def _tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        d = tarfile.TarInfo("folder")
        d.type = tarfile.DIRTYPE
        tf.addfile(d)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("folder/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tf.addfile(link)
    return buf.getvalue()


def test_tar_gz_members_become_children() -> None:
    data = gzip.compress(_tar({"folder/people.csv": CSV, "notes.txt": b"hi\n"}))
    kids = _children(document_from_bytes(data, "backup.tgz"))
    docs = [k for k in kids if isinstance(k, Document)]
    assert [d.path for d in docs] == ["backup.tgz!folder/people.csv", "backup.tgz!notes.txt"]
    assert docs[0].media_type == formats.CSV and docs[0].open().read() == CSV


def test_plain_tar() -> None:
    doc = document_from_bytes(_tar({"a.csv": CSV}), "x.bin")
    assert doc.media_type == formats.TAR
    (child,) = _children(doc)
    assert isinstance(child, Document) and child.members == ("a.csv",)


def test_tar_member_count_limit() -> None:
    data = _tar({f"f{i}.txt": b"x" for i in range(20)})
    with pytest.raises(Unscannable, match="more than 5 members"):
        _children(document_from_bytes(data, "x.tar"), ExtractContext(limits=Limits(max_members=5)))


def test_duplicate_zip_member_gives_blocking_note() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, pytest.warns(UserWarning):
        zf.writestr("a.csv", CSV)
        zf.writestr("a.csv", b"other\n")
    kids = _children(document_from_bytes(buf.getvalue(), "x.zip"))
    notes = [k for k in kids if isinstance(k, Note)]
    assert len(notes) == 1 and notes[0].blocking and notes[0].code == "duplicate-member"
