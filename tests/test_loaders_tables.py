"""Loaders for documents as they come: Word and PDF tables in place, workbooks, CSV, web pages, bad input."""
from __future__ import annotations

import logging

import pytest

from rag.chunking import SectionChunker
from rag.loaders import LoadError, Loader, load_file, supported_extensions
from rag.settings import Settings
from table_docs import CSV_ROWS, SHEETS, write_csv, write_docx, write_pdf, write_xlsx


def chunks_of(path):
    return SectionChunker().run(load_file(path))


def rows_of(chunks):
    return [c for c in chunks if c.metadata.get("table")]


# ------------------------------------------------------------------ Word


def test_docx_tables_stand_where_they_are_under_their_headings(table_docs_dir):
    docs = load_file(table_docs_dir / "poverty_2019.docx")
    kinds = ["table" if d.metadata.get("table") else "text" for d in docs]
    assert kinds == ["text", "table", "text", "table"]  # document order, not appended at the end
    t1, t2 = docs[1].metadata["table"], docs[3].metadata["table"]
    assert t1["caption"] == "表3 2019年各县脱贫情况"
    assert t1["header"] == [["县", "脱贫人口（人）", "脱贫人口（人）", "贫困发生率"], ["县", "2018年", "2019年", "贫困发生率"]]
    assert t2["caption"] == "表4 产业项目投资"  # the caption below the table
    assert "表4" not in docs[2].page_content and "表3" not in docs[0].page_content  # captions move into their tables
    cs = chunks_of(table_docs_dir / "poverty_2019.docx")
    rows = rows_of(cs)
    by_label = {c.metadata["table"]["label"]: c for c in rows}
    assert by_label["稻城县"].page_content == "表3 2019年各县脱贫情况 › 稻城县 › 脱贫人口·2018年：5102人；脱贫人口·2019年：5614人；贫困发生率：0%"
    assert by_label["稻城县"].metadata["section"].endswith("一、脱贫成效")
    assert by_label["青稞加工厂"].metadata["section"].endswith("二、产业发展")
    assert by_label["合计"].metadata["table"]["total"] is True
    # text before, the rows, text after: in reading order
    order = [c.metadata["ordinal"] for c in cs]
    assert order == sorted(order) == list(range(len(cs)))
    assert cs.index(by_label["稻城县"]) < next(i for i, c in enumerate(cs) if "各县贫困发生率均降至" in c.page_content)


def test_docx_written_with_merged_cells_round_trip(tmp_path):
    p = write_docx(tmp_path / "m.docx", "报告", [("h1", "二、教育"), ("table", "表1 学校", [["乡", "学校（所）", None], [None, "小学", "中学"], ["甲乡", "3", "1"]],
                                                [(0, 0, 1, 0), (0, 1, 0, 2)])])
    row = rows_of(chunks_of(p))[0]
    assert row.page_content == "表1 学校 › 甲乡 › 学校·小学：3所；学校·中学：1所"


# ------------------------------------------------------------------ PDF


def test_pdf_ruled_table_read_by_pdfplumber_with_pages_and_text_in_order(table_docs_dir):
    docs = load_file(table_docs_dir / "hegu_2022.pdf")
    assert [d.metadata["page"] for d in docs] == [1, 1, 1]
    text = docs[0].page_content
    assert "年末全县常住人口8.6万人" in text and "31250" not in text  # no jumble of table figures in the text
    assert docs[1].metadata["table"]["rows"][0] == ["河口镇", "31250", "412"]
    assert docs[1].metadata["table"]["caption"] == "表1 各乡镇人口和面积"
    assert "城镇化率达到42.5%" in docs[2].page_content
    rows = rows_of(chunks_of(table_docs_dir / "hegu_2022.pdf"))
    assert [r.metadata["page"] for r in rows] == [1, 1, 1]
    assert rows[1].page_content == "表1 各乡镇人口和面积 › 松林乡 › 常住人口：18730人；面积：655平方公里"


def test_pdf_table_running_over_two_pages_is_one_table(tmp_path):
    body = [["序号", "村", "户数"]] + [[str(i), f"第{i}村", str(100 + i)] for i in range(1, 61)]
    p = write_pdf(tmp_path / "long.pdf", "长表", [("h1", "各村户数"), ("table", "表1 各村户数", body, [])])
    rows = rows_of(chunks_of(p))
    assert len(rows) == 60  # the header repeated by reportlab on page 2 is not a row
    assert {r.metadata["page"] for r in rows} == {1, 2}
    assert rows[-1].page_content == "表1 各村户数 › 第60村 › 户数：160"
    assert rows[-1].metadata["page"] == 2 and rows[0].metadata["page"] == 1


# ------------------------------------------------------------------ spreadsheets and CSV


def test_xlsx_every_sheet_merged_title_numbers_as_displayed(table_docs_dir):
    cs = chunks_of(table_docs_dir / "villages_2022.xlsx")
    rows = rows_of(cs)
    texts = [r.page_content for r in rows]
    assert texts == [
        "2022年各村集体经济收入 › 红星村 › 集体收入：35.50万元；增长率：12.0%",
        "2022年各村集体经济收入 › 团结村 › 集体收入：28.25万元；增长率：8.5%",
        "人口 › 红星村 › 户数：1268；人口：5,614",
        "人口 › 团结村 › 户数：942；人口：3,377",
    ]
    assert [r.metadata["table"]["sheet"] for r in rows] == ["收入", "收入", "人口", "人口"]
    assert rows[0].metadata["section"].endswith("收入") and rows[2].metadata["section"].endswith("人口")
    assert any(c.page_content == "注：收入含分红。" for c in cs)  # a note under a table is text


def test_xlsx_empty_sheet_warns_and_empty_workbook_fails(tmp_path, caplog):
    p = write_xlsx(tmp_path / "two.xlsx", [SHEETS[1], {"name": "空表", "title": None, "grid": []}])
    with caplog.at_level(logging.WARNING, logger="rag.loaders"):
        docs = load_file(p)
    assert any(d.metadata.get("table") for d in docs)
    assert any("two.xlsx" in r.message and "'空表' is empty" in r.message for r in caplog.records)
    empty = write_xlsx(tmp_path / "empty.xlsx", [{"name": "Sheet1", "title": None, "grid": []}])
    with pytest.raises(LoadError) as ei:
        load_file(empty)
    assert str(ei.value) == f"{empty}: the workbook has no data (empty sheets: 'Sheet1')"


def test_corrupt_xlsx_is_one_clear_line(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", SHEETS)
    p = tmp_path / "broken.xlsx"
    p.write_bytes(good.read_bytes()[:300])  # a truncated zip
    with pytest.raises(LoadError) as ei:
        load_file(p)
    assert str(ei.value).startswith(f"{p}: corrupt or unreadable .xlsx") and "\n" not in str(ei.value)


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "big5", "utf-16"])
def test_csv_decoded_like_text(tmp_path, encoding):
    rows = CSV_ROWS if encoding != "big5" else [["月份", "遊客（萬人次）"], ["1月", "3.2"], ["2月", "4.5"]]
    p = write_csv(tmp_path / "v.csv", rows, encoding=encoding)
    docs = load_file(p)
    assert docs[0].metadata["encoding"].replace("-", "").startswith(encoding.replace("-", "")[:5])
    t = docs[0].metadata["table"]
    assert t["header"] == [rows[0]] and t["rows"][0] == rows[1]
    assert t["caption"] == "v"  # no title line: the file's name


def test_tsv_and_title_line(tmp_path):
    p = write_csv(tmp_path / "t.tsv", [["2023年各月游客", "", ""], *CSV_ROWS], encoding="utf-8", delimiter="\t")
    rows = rows_of(chunks_of(p))
    assert rows[0].page_content == "2023年各月游客 › 1月 › 游客：3.2万人次；收入：2860万元"


# ------------------------------------------------------------------ web pages


def test_html_main_text_headings_and_table_without_navigation(table_docs_dir):
    docs = load_file(table_docs_dir / "linzhi_budget.html")
    text = "\n".join(d.page_content for d in docs)
    assert "预算收入1850万元" in text
    for boiler in ("首页", "新闻动态", "机构设置", "版权所有", "0894-1234567", "999"):
        assert boiler not in text, boiler
    assert docs[0].metadata["title"] == "林芝镇2022年预算公开"
    rows = rows_of(chunks_of(table_docs_dir / "linzhi_budget.html"))
    assert [r.page_content for r in rows] == ["支出预算 › 教育 › 预算：420万元", "支出预算 › 医疗 › 预算：310万元"]
    assert rows[0].metadata["section"] == "林芝镇2022年预算公开 › 支出预算"


def test_html_rowspan_colspan(tmp_path):
    p = tmp_path / "span.htm"
    p.write_text("<table><tr><th rowspan=2>县</th><th colspan=2>人口</th></tr><tr><th>2021</th><th>2022</th></tr>"
                 "<tr><td>甲县</td><td>10</td><td>12</td></tr></table>", encoding="utf-8")
    t = load_file(p)[0].metadata["table"]
    assert t["header"] == [["县", "人口", "人口"], ["县", "2021", "2022"]]


def test_binary_html_is_refused(tmp_path):
    p = tmp_path / "page.html"
    p.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(LoadError) as ei:
        load_file(p)
    assert str(ei.value) == f"{p}: looks like a binary file, not an HTML page"


def test_formats_registered_and_settings_passed_explicitly(tmp_path):
    assert set(supported_extensions()) >= {".txt", ".pdf", ".docx", ".xlsx", ".csv", ".tsv", ".html", ".htm", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}
    p = tmp_path / "big.csv"
    p.write_text("a,b\n1,2\n" * 40000, encoding="utf-8")
    errors = Loader(Settings(max_file_mb=0.1)).run([p]).errors
    assert len(errors) == 1 and "too large" in str(errors[0]) and "big.csv" in str(errors[0])
    assert Loader(Settings(max_file_mb=5)).run([p]).errors == []  # the global settings are not what decides


def test_xlsx_plain_title_line_and_merged_header_below_it(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = "表5 各乡学校数"  # a plain (unmerged) caption line above the table
    ws.append(["乡", "学校（所）", None])
    ws.append([None, "小学", "中学"])
    ws.append(["甲乡", 3, 1])
    ws.merge_cells("B2:C2")
    ws.merge_cells("A2:A3")
    p = tmp_path / "s.xlsx"
    wb.save(p)
    row = [c for c in SectionChunker().run(load_file(p)) if c.metadata.get("table")][0]
    assert row.page_content == "表5 各乡学校数 › 甲乡 › 学校·小学：3所；学校·中学：1所"
