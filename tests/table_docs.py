"""Documents with tables and scans made for the tests (not the seeds), with the builders of eval/tables/make_docs.py."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "eval" / "tables"))

from make_docs import render_page, write_csv, write_docx, write_image_pdf, write_pdf, write_xlsx  # noqa: E402

POVERTY = ("table", "表3 2019年各县脱贫情况",
           [["县", "脱贫人口（人）", None, "贫困发生率"],
            [None, "2018年", "2019年", None],
            ["稻城县", "5102", "5614", "0%"],
            ["乡城县", "4870", "6120", "0.2%"],
            ["得荣县", "3011", "3368", "0%"],
            ["合计", "12983", "15102", "0.1%"]],
           [(0, 0, 1, 0), (0, 1, 0, 2), (0, 3, 1, 3)])
PROJECTS = ("table", "表4 产业项目投资",
            [["项目", "投资（万元）", "带动农户（户）"], ["青稞加工厂", "1200", "860"], ["藏香猪养殖", "650", "420"]], [], True)
DOCX = [("h1", "高原地区2019年脱贫攻坚报告"), ("h2", "一、脱贫成效"), ("p", "2019年各县脱贫攻坚取得决定性进展，群众收入持续增长。"), POVERTY,
        ("p", "各县贫困发生率均降至1%以下。"), ("h2", "二、产业发展"), ("p", "全州重点扶持特色产业项目，带动贫困户稳定增收。"), PROJECTS]

PDF = [("h1", "河谷县2022年统计公报"), ("h2", "一、人口"), ("p", "年末全县常住人口8.6万人，比上年增加0.3万人。"),
       ("table", "表1 各乡镇人口和面积",
        [["乡镇", "常住人口（人）", "面积（平方公里）"], ["河口镇", "31250", "412"], ["松林乡", "18730", "655"], ["合计", "49980", "1067"]], []),
       ("p", "全县城镇化率达到42.5%。")]

SHEETS = [
    {"name": "收入", "title": "2022年各村集体经济收入", "grid": [["村", "集体收入（万元）", "增长率"], ["红星村", 35.5, 0.12], ["团结村", 28.25, 0.085]],
     "formats": {1: "0.00", 2: "0.0%"}, "notes": ["注：收入含分红。"]},
    {"name": "人口", "title": None, "grid": [["村", "户数", "人口"], ["红星村", 1268, 5614], ["团结村", 942, 3377]], "formats": {2: "#,##0"}},
]
CSV_ROWS = [["月份", "游客（万人次）", "收入（万元）"], ["1月", "3.2", "2860"], ["2月", "4.5", "3910"], ["合计", "7.7", "6770"]]

HTML = """<html><head><meta charset="gb2312"><title>林芝镇2022年预算公开 - 林芝镇人民政府</title><script>var x = "脚本里的数字 999";</script></head>
<body><div id="nav"><a href="/">首页</a> <a href="/news">新闻动态</a> <a href="/gk">信息公开</a></div>
<ul class="menu"><li><a href="/a">机构设置</a></li><li><a href="/b">领导信息</a></li></ul>
<div class="content"><h1>林芝镇2022年预算公开</h1><p>2022年全镇预算收入1850万元。</p><h2>支出预算</h2>
<table><tr><th>科目</th><th>预算（万元）</th></tr><tr><td>教育</td><td>420</td></tr><tr><td>医疗</td><td>310</td></tr></table></div>
<div class="footer">版权所有 林芝镇人民政府 电话 0894-1234567</div></body></html>"""

SCAN_LINES = ["关于林芝镇2023年危房改造的通报", "2023年全镇完成危房改造186户，下达补助资金372万元。"]


def make_table_docs(d: Path) -> Path:
    """The test corpus: a .docx, a PDF, an .xlsx, a GB18030 .csv, an .html page and an image-only scanned PDF."""
    d.mkdir(parents=True, exist_ok=True)
    write_docx(d / "poverty_2019.docx", "高原地区2019年脱贫攻坚报告", DOCX)
    write_pdf(d / "hegu_2022.pdf", "河谷县2022年统计公报", PDF)
    write_xlsx(d / "villages_2022.xlsx", SHEETS)
    write_csv(d / "visitors.csv", CSV_ROWS, encoding="gb18030")
    (d / "linzhi_budget.html").write_bytes(HTML.encode("gb18030"))
    write_image_pdf(d / "housing_scan.pdf", [small_scan(SCAN_LINES)])
    return d


def small_scan(lines: list[str]):
    """A small scanned page (fast to OCR)."""
    return render_page(lines, width=900, height=260, size=28, margin=40)
