#!/usr/bin/env python3
"""Write the documents of the table gold set (eval/tables.jsonl) into eval/tables/docs/ (or --out DIR).

    python eval/tables/make_docs.py [--out DIR]

Deterministic: the same files every run (fixed dates, reportlab's invariant mode).
Six reports about places that are not in the seeds, one per format: a Word report
with two tables under different headings (one with merged header cells), a PDF
with ruled tables and text (reportlab, CID font STSong-Light), a workbook with two
sheets, a GB18030 CSV, a saved web page with navigation, a scanned notice (PNG) and
an image-only scanned PDF (rendered with Noto CJK).

The builders (``write_docx``, ``write_pdf``, ``write_xlsx``, ``write_csv``,
``render_page``, ``write_image_pdf``) are also used by the tests with documents of
their own.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED = dt.datetime(2024, 1, 15, 9, 0, 0)
CJK_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]

# a table: (caption or None, grid of rows, merges as (row0, col0, row1, col1) inclusive, caption_below)
# blocks: ("h1"|"h2"|"p", text) or ("table", caption, grid, merges)


# ---------------------------------------------------------------- Word


def write_docx(path: Path, title: str, blocks: list[tuple]) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.core_properties.created = FIXED
    d.core_properties.modified = FIXED
    d.core_properties.last_modified_by = "make_docs"
    d.core_properties.author = "make_docs"
    d.core_properties.revision = 1
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2"):
            d.add_heading(b[1], level=int(kind[1]))
        elif kind == "p":
            d.add_paragraph(b[1])
        elif kind == "table":
            _, caption, grid, merges = b[:4]
            below = len(b) > 4 and b[4]
            if caption and not below:
                d.add_paragraph(caption)
            t = d.add_table(rows=len(grid), cols=max(len(r) for r in grid))
            t.style = "Table Grid"
            for r0, c0, r1, c1 in merges:
                t.cell(r0, c0).merge(t.cell(r1, c1))
            covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0)}
            for r, row in enumerate(grid):
                for c, v in enumerate(row):
                    if (r, c) not in covered and v is not None:
                        t.cell(r, c).text = v
            if caption and below:
                d.add_paragraph(caption)
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(path))
    return _fixed_zip(path)


# ---------------------------------------------------------------- PDF (text layer, ruled tables)


def write_pdf(path: Path, title: str, blocks: list[tuple]) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=11, leading=17)
    head = ParagraphStyle("head", fontName="STSong-Light", fontSize=14, leading=22)
    flow = []
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2"):
            flow.append(Paragraph(b[1], head))
        elif kind == "p":
            flow.append(Paragraph(b[1], body))
        elif kind == "table":
            _, caption, grid, merges = b[:4]
            if caption:
                flow.append(Paragraph(caption, body))
            style = [("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("FONTSIZE", (0, 0), (-1, -1), 10),
                     ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
            style += [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in merges]
            flow.append(Table([[v or "" for v in row] for row in grid], style=TableStyle(style)))
            flow.append(Spacer(1, 8))
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(path), pagesize=A4, title=title, author="make_docs", invariant=1)
    doc.build(flow)
    return path


# ---------------------------------------------------------------- Excel, CSV


def write_xlsx(path: Path, sheets: list[dict]) -> Path:
    """``sheets``: {"name", "title" (a merged title row, or None), "grid", "formats": {col: number_format}, "notes": [...]}"""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        ws = wb.create_sheet(sh["name"])
        r = 1
        width = max(len(row) for row in sh["grid"]) if sh["grid"] else 1
        if sh.get("title"):
            ws.cell(row=1, column=1, value=sh["title"])
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
            r = 2
        for row in sh["grid"]:
            for c, v in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=v)
                fmt = sh.get("formats", {}).get(c - 1)
                if fmt and r > (2 if sh.get("title") else 1):
                    cell.number_format = fmt
            r += 1
        for note in sh.get("notes", []):
            r += 1
            ws.cell(row=r, column=1, value=note)
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    wb.properties.creator = "make_docs"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return _fixed_zip(path)


def _fixed_zip(path: Path) -> Path:
    """Rewrite an Office file with fixed entry times and document dates (openpyxl stamps "now" on save)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    stamp = FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            z.writestr(zipfile.ZipInfo(name, date_time=FIXED.timetuple()[:6]), data, zipfile.ZIP_DEFLATED)
    return path


def write_csv(path: Path, rows: list[list[str]], encoding: str = "gb18030", delimiter: str = ",") -> Path:
    import csv

    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# ---------------------------------------------------------------- scanned pages


def cjk_font(size: int, path: str | None = None):
    from PIL import ImageFont

    for f in ([path] if path else CJK_FONTS):
        if Path(f).exists():
            return ImageFont.truetype(f, size, index=2 if f.endswith(".ttc") and "Noto" in f else 0)
    raise FileNotFoundError("no CJK font found: apt-get install fonts-noto-cjk")


def render_page(lines: list[str], width: int = 1240, height: int = 1754, size: int = 30, margin: int = 110, font_path: str | None = None):
    """A scanned-looking page (A4 at 150 dpi, grey scale): each string a paragraph, wrapped at the margin."""
    from PIL import Image, ImageDraw

    font = cjk_font(size, font_path)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    y = margin
    for k, para in enumerate(lines):
        indent = 0 if k == 0 else 2 * size
        line = ""
        out = []
        for ch in para:
            if draw.textlength(line + ch, font=font) > width - 2 * margin - (indent if not out else 0):
                out.append(line)
                line = ""
            line += ch
        out.append(line)
        for j, ln in enumerate(out):
            x = margin + (width - 2 * margin - draw.textlength(ln, font=font)) / 2 if k == 0 else margin + (indent if j == 0 else 0)
            draw.text((x, y), ln, font=font, fill=25)
            y += int(size * 1.7)
        y += size // 2
    return img


def write_image_pdf(path: Path, images: list, title: str = "", dpi: int = 150) -> Path:
    """An image-only PDF (no text layer), one page per image, the page the image's size at ``dpi``."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), invariant=1)
    if title:
        c.setTitle(title)
    for img in images:
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        buf.seek(0)
        w, h = img.width * 72 / dpi, img.height * 72 / dpi
        c.setPageSize((w, h))
        c.drawImage(ImageReader(buf), 0, 0, width=w, height=h)
        c.showPage()
    c.save()
    return path


# ---------------------------------------------------------------- the gold set's documents

WATER = [
    ("h1", "示范市2022年水利建设情况报告"),
    ("h2", "一、水库建设"),
    ("p", "2022年，全市新建小型水库9座，完成水利投资4.6亿元，水库工程建设进度总体符合预期。"),
    ("table", "表1 各县水库建设情况",
     [["县", "新建水库（座）", None, "新增库容（万立方米）", "完成投资（万元）"],
      [None, "2021年", "2022年", None, None],
      ["东川县", "2", "4", "310", "12600"],
      ["西岭县", "1", "3", "260", "9800"],
      ["南坪县", "3", "2", "180", "8400"],
      ["合计", "6", "9", "750", "30800"]],
     [(0, 0, 1, 0), (0, 1, 0, 2), (0, 3, 1, 3), (0, 4, 1, 4)]),
    ("p", "各县水库建设均按计划推进，工程质量抽检合格率保持较高水平。"),
    ("h2", "二、农田灌溉"),
    ("p", "全市新增有效灌溉面积3.1万亩，高效节水灌溉工程覆盖范围进一步扩大。"),
    ("table", "表2 各县灌溉面积",
     [["县", "有效灌溉面积（万亩）", "节水灌溉面积（万亩）", "灌溉水利用系数"],
      ["东川县", "12.4", "5.2", "0.56"],
      ["西岭县", "9.8", "4.1", "0.53"],
      ["南坪县", "7.5", "2.9", "0.55"],
      ["合计", "29.7", "12.2", "0.55"]],
     [], True),
]

AGRI = [
    ("h1", "青原区2023年农业生产统计公报"),
    ("h2", "一、种植业"),
    ("p", "2023年全区粮食总产量6.8万吨，比上年增长3.2%。主要农作物播种面积和产量如下表。"),
    ("table", "表1 主要农作物播种面积和产量",
     [["作物", "播种面积（亩）", "产量（吨）", "比上年增长"],
      ["青稞", "52000", "18400", "4.1%"],
      ["小麦", "31000", "12600", "2.5%"],
      ["马铃薯", "24500", "37800", "6.3%"],
      ["油菜", "15800", "3900", "-1.2%"],
      ["合计", "123300", "72700", "3.2%"]],
     []),
    ("h2", "二、畜牧业"),
    ("p", "年末全区牲畜存栏41.2万头（只），畜牧业产值稳步增长。"),
    ("table", "表2 主要牲畜存栏和出栏",
     [["畜种", "存栏（万头）", None, "出栏（万头）"],
      [None, "2022年", "2023年", "2023年"],
      ["牦牛", "18.6", "19.3", "5.2"],
      ["绵羊", "14.1", "13.7", "6.8"],
      ["山羊", "8.0", "8.2", "3.1"]],
     [(0, 0, 1, 0), (0, 1, 0, 2)]),
    ("p", "注：存栏为年末数。"),
]

SCHOOLS = {"name": "教育", "title": "2023年各乡镇中小学在校学生数",
           "grid": [["乡镇", "小学（人）", "初中（人）", "合计（人）"],
                    ["城关镇", 2860, 1540, 4400], ["桃源乡", 920, 410, 1330], ["石门乡", 640, 310, 950], ["合计", 4420, 2260, 6680]],
           "notes": ["注：数据截至2023年9月1日。"]}
HEALTH = {"name": "卫生", "title": "2023年各乡镇卫生院基本情况",
          "grid": [["乡镇", "卫生院床位数（张）", "执业医师（人）", "门诊人次", "床位使用率"],
                   ["城关镇", 120, 46, 58200, 0.862], ["桃源乡", 40, 12, 16800, 0.715], ["石门乡", 30, 9, 11300, 0.648]],
          "formats": {3: "#,##0", 4: "0.0%"}}

TOURISM = [["2023年各季度旅游接待情况", "", "", ""],
           ["季度", "接待游客（万人次）", "旅游收入（亿元）", "过夜游客占比"],
           ["第一季度", "38.5", "4.2", "31%"], ["第二季度", "62.0", "7.1", "38%"],
           ["第三季度", "95.4", "11.6", "45%"], ["第四季度", "41.3", "4.8", "29%"],
           ["全年", "237.2", "27.7", "38%"]]

BUDGET_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>白河县2023年财政预算执行情况_白河县人民政府</title>
<style>body{font-family:sans-serif}</style>
<script>var _hmt = _hmt || []; document.write("统计代码 9999");</script></head>
<body>
<div class="header"><img src="logo.png" alt="白河县人民政府"><span>白河县人民政府门户网站</span></div>
<nav class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a href="/xwzx">新闻中心</a></li>
<li><a href="/bsfw">办事服务</a></li><li><a href="/hdjl">互动交流</a></li></ul></nav>
<div class="breadcrumb"><a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 财政信息</div>
<div class="main"><div class="article">
<h1>白河县2023年财政预算执行情况</h1>
<p class="info">发布时间：2024-01-10 来源：县财政局</p>
<p>2023年，全县一般公共预算收入完成6.35亿元，同比增长5.6%，完成年初预算的101.2%。</p>
<h2>一般公共预算支出</h2>
<p>全县一般公共预算支出执行情况见下表，重点领域支出得到有效保障。</p>
<table border="1"><thead><tr><th>项目</th><th>预算数（万元）</th><th>执行数（万元）</th><th>执行率</th></tr></thead>
<tbody><tr><td>教育支出</td><td>52000</td><td>50880</td><td>97.8%</td></tr>
<tr><td>卫生健康支出</td><td>31000</td><td>29450</td><td>95.0%</td></tr>
<tr><td>农林水支出</td><td>45000</td><td>44100</td><td>98.0%</td></tr>
<tr><td>社会保障和就业支出</td><td>28500</td><td>28300</td><td>99.3%</td></tr>
<tr><td>合计</td><td>156500</td><td>152730</td><td>97.6%</td></tr></tbody></table>
<h2>下一步工作</h2>
<p>县财政局将继续加强预算执行管理，提高财政资金使用效益。</p>
</div>
<div class="sidebar"><h3>相关链接</h3><ul><li><a href="/a">白河县2022年决算公开</a></li><li><a href="/b">白河县2024年预算草案</a></li></ul></div>
</div>
<footer class="footer"><p>版权所有：白河县人民政府　联系电话：0915-7261234　备案号：陕ICP备12345678号</p></footer>
</body></html>
"""

ROAD_PAGE = ["关于山阳县2023年农村公路建设情况的通报",
             "2023年，全县新建农村公路128公里，改造危桥17座，完成投资2.36亿元，惠及群众4.2万人。",
             "全县通硬化路的行政村达到96个，实现行政村全覆盖。下一步，县交通运输局将加强农村公路养护管理，巩固建设成果。"]
WATER_SCAN_PAGE = ["山阳县2023年农村饮水安全工作简报",
                   "全县新建集中供水工程23处，新增受益人口1.8万人，农村自来水普及率达到92.5%。",
                   "全年共投入资金6800万元，其中中央补助资金4100万元，县级配套资金2700万元。"]


def scanned_pages() -> dict[str, list[list[str]]]:
    """The text of each scanned document, page by page (the OCR benchmark's ground truth)."""
    return {"road_notice.png": [ROAD_PAGE], "water_supply_scan.pdf": [WATER_SCAN_PAGE]}


def make_all(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = [
        write_docx(out / "water_2022.docx", "示范市2022年水利建设情况报告", WATER),
        write_pdf(out / "agri_2023.pdf", "青原区2023年农业生产统计公报", AGRI),
        write_xlsx(out / "schools_health_2023.xlsx", [SCHOOLS, HEALTH]),
        write_csv(out / "tourism_2023.csv", TOURISM, encoding="gb18030"),
    ]
    (out / "budget_2023.html").write_text(BUDGET_HTML, encoding="utf-8")
    files.append(out / "budget_2023.html")
    road = render_page(ROAD_PAGE)
    road.save(out / "road_notice.png", optimize=True)
    files.append(out / "road_notice.png")
    files.append(write_image_pdf(out / "water_supply_scan.pdf", [render_page(WATER_SCAN_PAGE)], title="山阳县2023年农村饮水安全工作简报"))
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(HERE / "docs"))
    args = ap.parse_args()
    for f in make_all(Path(args.out)):
        print(f"{f}  {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
