"""Sources at scale: one protocol for directory trees, manifests, URL lists and object storage;
listings read no bytes; every source gives the same Documents for the same bytes."""

from __future__ import annotations

import http.server
import json
import os
import threading
from pathlib import Path

import pytest

from clearance.config.schema import Limits
from clearance.model import Document, Problem
from clearance.sources.filesystem import walk
from clearance.sources.protocol import DirectorySource, Ref, Source, open_ref, source_for

LIMITS = Limits()


def make_tree(root: Path) -> Path:
    for rel in ("b.txt", "a/z.csv", "a/b/c.json", "a/b/.hidden", "c/skip.log", "d.txt"):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"content of {rel}\n")
    os.symlink(root / "a", root / "loop")  # a second link to a walked directory
    return root


def _view(item: Document | Problem) -> tuple:
    if isinstance(item, Problem):
        return ("problem", item.path, item.reason)
    return (item.path, item.size, item.sha256, item.media_type)


def test_listing_matches_walk_in_order_and_reads_nothing(tmp_path: Path, monkeypatch) -> None:
    root = make_tree(tmp_path / "t")
    paths = [str(root), str(tmp_path / "missing")]
    src = DirectorySource(paths, ignore=["*.log"], limits=LIMITS)
    assert isinstance(src, Source)
    expected = [_view(x) for x in walk(paths, ignore=["*.log"], limits=LIMITS)]
    import builtins

    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda *a, **k: pytest.fail(f"listing opened {a[0]}"))
    refs = list(src.refs())
    monkeypatch.setattr(builtins, "open", real_open)
    got = [_view(r if isinstance(r, Problem) else open_ref(r, LIMITS)) for r in refs]
    assert got == expected
    assert all(r.mtime_ns for r in refs if isinstance(r, Ref))


def test_manifests_plain_and_jsonl(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t")
    plain = tmp_path / "list.txt"
    plain.write_text(f"# files to check\n{root / 'b.txt'}\n\n{root / 'a'}\n{tmp_path / 'gone.txt'}\n")
    docs = list(source_for([f"@{plain}"], limits=LIMITS).documents())
    names = [Path(_view(d)[1] if isinstance(d, Problem) else d.path).name for d in docs]
    assert names == ["b.txt", ".hidden", "c.json", "z.csv", "gone.txt"]
    assert isinstance(docs[-1], Problem)

    jl = tmp_path / "m.jsonl"
    jl.write_text(
        json.dumps({"path": str(root / "d.txt"), "size": 18, "sha256": "ab" * 32})
        + "\nnot json\n"
        + json.dumps({"url": "memory://bucket/x.txt"})
        + "\n"
    )
    refs = list(source_for([f"@{jl}"], limits=LIMITS).refs())
    assert isinstance(refs[0], Ref) and refs[0].sha256 == "ab" * 32 and refs[0].kind == "file"
    assert isinstance(refs[1], Problem) and refs[1].code == "manifest"
    assert isinstance(refs[2], Ref) and refs[2].kind == "fsspec"


def test_fsspec_memory_filesystem_gives_the_same_documents(tmp_path: Path) -> None:
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    data = {"pre/a.csv": b"name,email\nAna Gomez,ana@example.org\n", "pre/sub/b.txt": b"hello\n"}
    for k, v in data.items():
        fs.pipe(f"memory://bucket/{k}", v)
        (tmp_path / Path(k).name).write_bytes(v)
    src = source_for(["memory://bucket/pre"], limits=LIMITS)
    refs = list(src.refs())
    assert [r.display.replace(":///", "://") for r in refs] == [
        "memory://bucket/pre/a.csv",
        "memory://bucket/pre/sub/b.txt",
    ]
    docs = list(src.documents())
    local = {Path(d.path).name: d for d in walk([str(tmp_path)], limits=LIMITS)}
    for d in docs:
        twin = local[d.path.rsplit("/", 1)[-1]]
        assert (d.sha256, d.media_type, d.size) == (twin.sha256, twin.media_type, twin.size)


def test_s3_through_a_local_s3_compatible_server(tmp_path: Path) -> None:
    pytest.importorskip("s3fs")
    moto_server = pytest.importorskip("moto.server")
    import boto3

    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        creds = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
        s3 = boto3.client("s3", endpoint_url=endpoint, **creds)
        s3.create_bucket(Bucket="site")
        s3.put_object(Bucket="site", Key="docs/people.csv", Body=b"name,email\nAna Gomez,ana@example.org\n")
        s3.put_object(Bucket="site", Key="docs/readme.txt", Body=b"hello\n")
        opts = {
            "key": "test",
            "secret": "test",
            "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"},
        }
        src = source_for(["s3://site/docs"], limits=LIMITS, storage_options=opts)
        refs = list(src.refs())
        assert [r.display for r in refs] == ["s3://site/docs/people.csv", "s3://site/docs/readme.txt"]
        assert all(r.etag and r.size for r in refs)
        docs = list(src.documents())
        assert [d.media_type for d in docs] == ["text/csv", "text/plain"]
    finally:
        server.stop()


def test_url_list_fetches_with_the_project_fetcher(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_text("Contact Ana Gomez at ana@example.org\n")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(tmp_path), **k)

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        urls = tmp_path / "urls.txt"
        urls.write_text(f"{base}/page.txt\n{base}/missing.txt\n")
        docs = list(source_for([f"@{urls}"], limits=LIMITS).documents())
        assert isinstance(docs[0], Document) and docs[0].path == f"{base}/page.txt"
        assert docs[0].media_type == "text/plain"
        assert isinstance(docs[1], Problem) and "could not be fetched" in docs[1].reason
    finally:
        httpd.shutdown()
