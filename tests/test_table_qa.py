"""Questions answered from table rows on a real index of Word, PDF, Excel, CSV, web and scanned documents."""
from __future__ import annotations

import json

import pytest

from rag.grounding import check_answer
from rag.types import Citation


def test_cell_by_row_and_column(table_bot):
    a = table_bot.ask("稻城县2019年脱贫人口多少？")
    assert not a.refused and "5614人" in a.answer and "6120" not in a.answer
    c = a.citations[0]
    assert c.text[c.start : c.start + len(c.quote)] == c.quote == "脱贫人口·2019年：5614人"
    assert c.table["label"] == "稻城县" and c.table["caption"] == "表3 2019年各县脱贫情况"
    assert c.table["row"] == ["稻城县", "5102", "5614", "0%"]
    assert c.table["header"][2] == "脱贫人口（人）·2019年"
    assert a.grounded and check_answer(a.answer, {c.n: c.text for c in a.citations}).ok


def test_other_year_column_of_the_same_row(table_bot):
    a = table_bot.ask("乡城县2018年脱贫人口是多少？")
    assert "4870" in a.answer and "6120" not in a.answer


def test_total_row(table_bot):
    a = table_bot.ask("各乡镇常住人口合计多少人？")
    assert "49980" in a.answer and a.citations[0].table["total"] is True
    assert a.citations[0].page == 1 and a.citations[0].doc == "hegu_2022.pdf"


def test_comparison_of_two_rows_cites_both(table_bot):
    a = table_bot.ask("红星村和团结村哪个集体收入更高？")
    assert a.answer.startswith("红星村更高") and "35.50万元" in a.answer and "28.25万元" in a.answer
    assert [c.table["label"] for c in a.citations] == ["红星村", "团结村"]
    assert check_answer(a.answer, {c.n: c.text for c in a.citations}).ok


def test_spreadsheet_cell_as_displayed_and_csv_and_html(table_bot):
    assert "5,614" in table_bot.ask("红星村人口有多少？").answer
    assert "3910" in table_bot.ask("2月的旅游收入是多少万元？").answer
    a = table_bot.ask("林芝镇医疗支出预算是多少万元？")
    assert "310万元" in a.answer and a.citations[0].doc == "linzhi_budget.html"


def test_row_or_column_the_table_does_not_have_is_refused(table_bot):
    a = table_bot.ask("巴塘县2019年脱贫人口多少？")
    assert a.refused
    b = table_bot.ask("青稞加工厂带动了多少名大学生就业？")
    assert b.refused
    c = table_bot.ask("林芝镇人民政府的电话是多少？")  # the page's footer is boilerplate, not content
    assert c.refused


def test_scanned_page_answered_citing_ocr(table_bot):
    a = table_bot.ask("林芝镇2023年完成危房改造多少户？")
    assert not a.refused and "186户" in a.answer
    c = a.citations[0]
    assert c.doc == "housing_scan.pdf" and c.ocr is True and c.page == 1


def test_table_citation_in_json_ui_and_cli(table_bot, table_index, capsys):
    from rag.cli import main
    from rag.ui_render import render_citations

    a = table_bot.ask("稻城县2019年脱贫人口多少？")
    j = a.to_json()["citations"][0]
    assert j["table"]["header"][0] == "县" and j["table"]["row"][0] == "稻城县" and json.dumps(j, ensure_ascii=False)
    html = render_citations(a)
    assert "<table>" in html and "表3 2019年各县脱贫情况" in html
    assert '<td class="rag-cell-cited">5614</td>' in html and "<th>脱贫人口（人）·2019年</th>" in html
    rc = main(["ask", "稻城县2019年脱贫人口多少？", "--name", table_index.index_name, "--index-dir", str(table_index.index_dir)])
    out = capsys.readouterr().out
    assert rc == 0 and "[5614]" in out and "表3 2019年各县脱贫情况" in out


def test_a_figure_from_another_row_is_not_grounded(table_bot):
    a = table_bot.ask("稻城县2019年脱贫人口多少？")
    c = a.citations[0]
    assert not check_answer("稻城县2019年脱贫人口6120人[1]。", {1: c.text}, {1: c.table}).ok  # 6120 is 乡城县's
    assert not check_answer("稻城县2018年脱贫人口5614人[1]。", {1: c.text}, {1: c.table}).ok  # 5614 is the 2019 cell
    assert check_answer("稻城县2019年脱贫人口5614人[1]。", {1: c.text}, {1: c.table}).ok


def test_passages_carry_the_row(table_bot):
    ps = table_bot.search("得荣县2019年贫困发生率", k=5)
    row = next(p for p in ps if p.table and p.table["label"] == "得荣县")
    assert row.table["spans"][3] is not None and row.text[slice(*row.table["spans"][3])] == "0%"
    assert isinstance(Citation(n=1, doc=row.doc, chunk_id=row.chunk_id, section=row.section, text=row.text, quote="0%", table=row.table).table, dict)


@pytest.mark.parametrize("bad,msg", [
    ("broken.xlsx", "corrupt or unreadable .xlsx"),
    ("page.html", "looks like a binary file, not an HTML page"),
    ("blank.png", "no text found by OCR"),
])
def test_bad_files_one_line_each_and_nothing_indexed_lost(table_index, table_docs_dir, tmp_path, capsys, bad, msg):
    from PIL import Image

    from helpers import copy_index
    from rag.cli import main
    from rag.stores.faiss import FaissStore

    s = copy_index(table_index, tmp_path / "idx")
    before = FaissStore.load(s.index_path).count
    p = tmp_path / bad
    if bad.endswith(".xlsx"):
        p.write_bytes(b"PK\x03\x04" + bytes(200))
    elif bad.endswith(".html"):
        p.write_bytes(bytes(range(256)) * 8)
    else:
        Image.new("L", (300, 200), 255).save(p)
    rc = main(["index", str(table_docs_dir), str(p), "--name", s.index_name, "--index-dir", str(s.index_dir), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc != 0
    lines = [ln for ln in err if bad in ln]
    assert len(lines) == 1 and lines[0].startswith(f"error: {p}: {msg}")  # one clear line naming the file
    assert "Traceback" not in "\n".join(err)
    assert FaissStore.load(s.index_path).count == before  # every document indexed before is still there
