"""OCR benchmark: character accuracy and seconds per page on rendered Chinese pages.

    python benchmarks/ocr_accuracy.py [--pages N]

Renders pages of Chinese text with Debian's Noto CJK fonts (sans and serif, two
sizes) as scans — PNG images and an image-only PDF — reads them through the
loaders (the ``ocr`` extra, RapidOCR PP-OCRv4), and prints per page and overall:
character accuracy = 1 − edit distance / reference length over the characters
(white space ignored), and seconds per page. The gold set's two scanned
documents (eval/tables/make_docs.py) are among the pages.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval" / "tables"))

EXTRA_PAGES = [
    ["长宁县2023年教育事业发展统计简报",
     "2023年，全县共有各级各类学校86所，在校学生42615人，专任教师3208人。其中，普通小学41所，在校生21870人；初级中学15所，在校生10456人。",
     "学前三年毛入园率达到93.6%，九年义务教育巩固率达到97.2%，高中阶段毛入学率达到91.8%。全年共投入教育经费5.73亿元，比上年增长6.4%。"],
    ["关于做好2024年春季森林草原防灭火工作的通知",
     "各乡（镇）人民政府，县级有关部门：为切实做好今年春季森林草原防灭火工作，确保人民群众生命财产安全，现就有关事项通知如下。",
     "一、压实防火责任。各乡镇要落实属地管理责任，建立县、乡、村三级防火责任体系，层层签订责任书，确保责任落实到山头地块。",
     "二、加强火源管控。在重点区域设置检查站32处，配备专职护林员415名，严禁携带火种进山入林。"],
]


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def char_accuracy(ref: str, hyp: str) -> float:
    from rag.normalize import nfkc

    r = "".join(nfkc(ref).split())
    h = "".join(nfkc(hyp).split())
    return max(0.0, 1 - edit_distance(r, h) / max(1, len(r)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2, help="cores for onnxruntime (the machine has 2)")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    from make_docs import ROAD_PAGE, WATER_SCAN_PAGE, render_page, write_image_pdf

    from rag.loaders import load_file
    from rag.loaders.ocr import engine
    from rag.settings import Settings

    settings = Settings()
    t0 = time.perf_counter()
    engine()
    print(f"OCR engine load: {time.perf_counter() - t0:.2f} s")
    tmp = Path(tempfile.mkdtemp(prefix="rag-ocr-"))
    fonts = ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"]
    cases = []  # (name, path, reference pages)
    for k, (lines, size) in enumerate([(ROAD_PAGE, 30), (WATER_SCAN_PAGE, 30), (EXTRA_PAGES[0], 26), (EXTRA_PAGES[1], 24)]):
        for f in fonts:
            img = render_page(lines, size=size, font_path=f)
            tag = "sans" if "Sans" in f else "serif"
            if k % 2 == 0:
                p = tmp / f"page{k}_{tag}.png"
                img.save(p)
            else:
                p = write_image_pdf(tmp / f"page{k}_{tag}.pdf", [img])
            cases.append((p.name, p, ["\n".join(lines)]))
    print(f"{'page':<22}{'chars':>7}{'accuracy':>10}{'seconds':>9}")
    total_ref = total_err = 0
    secs = []
    for name, p, refs in cases:
        t = time.perf_counter()
        docs = load_file(p, settings)
        dt = time.perf_counter() - t
        hyp = "\n".join(d.page_content for d in docs)
        ref = refs[0]
        acc = char_accuracy(ref, hyp)
        n = len("".join(ref.split()))
        total_ref += n
        total_err += round((1 - acc) * n)
        secs.append(dt)
        print(f"{name:<22}{n:>7}{acc:>10.4f}{dt:>9.2f}")
    print(f"\noverall character accuracy: {1 - total_err / total_ref:.4f} over {total_ref} characters, {len(cases)} pages")
    print(f"seconds per page (A4 at 150 dpi, {args.threads} cores): mean {sum(secs) / len(secs):.2f}, max {max(secs):.2f}")


if __name__ == "__main__":
    main()
