"""The table model: merged headers expanded, row labels, units, row text with cell offsets, long rows."""
from __future__ import annotations

from rag.tables import Table, cited_columns, detect_header_rows, split_unit

GRID = [["县", "脱贫人口（人）", None, "贫困发生率"],
        [None, "2018年", "2019年", None],
        ["稻城县", "5102", "5614", "0%"],
        ["乡城县", "4870", "6120", "0.2%"],
        ["合计", "9972", "11734", "0.1%"]]


def test_merged_header_expanded_into_two_levels():
    t = Table.from_grid(GRID, caption="表3 2019年各县脱贫情况")
    assert t.header == [["县", "脱贫人口（人）", "脱贫人口（人）", "贫困发生率"], ["县", "2018年", "2019年", "贫困发生率"]]
    assert t.columns == ["县", "脱贫人口（人）·2018年", "脱贫人口（人）·2019年", "贫困发生率"]
    assert [r[0] for r in t.rows] == ["稻城县", "乡城县", "合计"]
    assert t.label_columns == [0]


def test_row_text_carries_caption_label_and_column_names_with_units():
    t = Table.from_grid(GRID, caption="表3 2019年各县脱贫情况")
    text = t.row_text(0)
    assert text == "表3 2019年各县脱贫情况 › 稻城县 › 脱贫人口·2018年：5102人；脱贫人口·2019年：5614人；贫困发生率：0%"
    row = t.row_dict(0)
    assert row["row"] == ["稻城县", "5102", "5614", "0%"] and row["label"] == "稻城县"
    # every span points at the cell's value (with the header's unit) in the row text
    assert [text[a:b] if s else None for s, (a, b) in ((s, s or (0, 0)) for s in row["spans"])] == [None, "5102人", "5614人", "0%"]
    assert t.row_dict(2)["total"] is True and t.row_dict(0)["total"] is False


def test_origins_expand_merged_cells_in_any_direction():
    grid = [["州", "县", "人口"], ["甘孜州", "稻城县", "3.2万"], [None, "乡城县", "3.1万"], ["阿坝州", "理县", "4.5万"]]
    t = Table.from_grid(grid, origins=[[None] * 3, [None] * 3, [(1, 0), None, None], [None] * 3])
    assert [r[0] for r in t.rows] == ["甘孜州", "甘孜州", "阿坝州"]
    assert t.label_columns == [0, 1]  # a group column and its members name the row
    assert t.row_label(1) == "甘孜州 › 乡城县"


def test_serial_column_skipped_and_table_unit_applied_except_to_rates():
    t = Table.from_grid([["序号", "乡镇", "投资", "完成率"], ["1", "桑堆镇", "40", "95%"], ["2", "香格里拉镇", "55", "88"]], unit="万元")
    assert t.serial_columns == [0] and t.label_columns == [1]
    assert t.row_text(1) == "香格里拉镇 › 投资：55万元；完成率：88"


def test_year_column_labels_rows():
    t = Table.from_grid([["年份", "游客（万人次）"], ["2021", "12.5"], ["2022", "14"]])
    assert t.row_text(1) == "2022年 › 游客：14万人次"


def test_header_detection():
    assert detect_header_rows([["1", "2"], ["3", "4"]]) == 0  # figures in the first row: no header
    t = Table.from_grid([["1", "2"], ["3", "4"]])
    assert t.columns == ["第1列", "第2列"] and len(t.rows) == 2
    assert split_unit("面积（平方公里）") == ("面积", "平方公里")
    assert split_unit("人口（2020年）") == ("人口（2020年）", None)  # a note, not a unit


def test_title_row_across_the_table_is_the_caption():
    t = Table.from_grid([["2022年各村收入", None, None], ["村", "收入", "户数"], ["红星村", "35", "120"]], origins=[[None, (0, 0), (0, 0)], [None] * 3, [None] * 3])
    assert t.caption == "2022年各村收入" and t.columns == ["村", "收入", "户数"]


def test_long_row_is_cut_between_cells_repeating_caption_and_label():
    header = ["指标"] + [f"第{i}项指标名称" for i in range(40)]
    t = Table.from_grid([header, ["甲乡"] + [str(1000 + i) for i in range(40)]], caption="表9 长表")
    units = t.row_units(max_chars=200)
    assert len(units) > 2
    for _, text, row in units:
        assert len(text) <= 200 and text.startswith("表9 长表 › 甲乡 › ")
        assert all(text[a:b] == row["row"][c] for c, s in enumerate(row["spans"]) if s for a, b in [s])
    values = [row["row"][c] for _, _, row in units for c, s in enumerate(row["spans"]) if s]
    assert values == [str(1000 + i) for i in range(40)]  # every cell once


def test_cited_columns():
    t = Table.from_grid(GRID, caption="表3")
    row, text = t.row_dict(0), t.row_text(0)
    k = text.index("5614人")
    assert cited_columns(row, k, "5614人") == [2]
    assert cited_columns(row, None, "脱贫人口·2018年：5102人") == [1]


def test_json_round_trip():
    t = Table.from_grid(GRID, caption="表3", page=4, sheet="S")
    assert Table.from_json(t.to_json()).row_text(1) == t.row_text(1)
