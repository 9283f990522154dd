"""Loading the organisation: good rosters, re-imports, and every kind of bad row."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tests.harness import EXAMPLES, Kabot


def _copy_examples(tmp_path: Path) -> Path:
    folder = tmp_path / "roster"
    shutil.copytree(EXAMPLES / "roster", folder)
    return folder


def _edit_csv(folder: Path, sheet: str, row: int, column: str, value: str) -> None:
    """Set one cell; ``row`` counts as Excel shows it (the header is row 1)."""
    path = folder / f"{sheet}.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)


def _append_csv(folder: Path, sheet: str, values: list[str]) -> int:
    path = folder / f"{sheet}.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    rows.append(values)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return len(rows)


async def _counts(kabot: Kabot) -> tuple[int, int, int, int]:
    db = kabot.store.db
    out = []
    for table in ("business_units", "staff", "customers", "customer_staff"):
        row = await db.fetch_one(f"SELECT COUNT(*) FROM {table}")
        assert row is not None
        out.append(int(row[0]))
    return out[0], out[1], out[2], out[3]


async def test_sample_organisation_imports_cleanly(kabot: Kabot) -> None:
    code, output = await kabot.import_roster()
    assert code == 0, output
    assert "本部：新增 4" in output
    assert "人员：新增 20" in output
    assert "客户：新增 60" in output
    units, staff, customers, links = await _counts(kabot)
    assert (units, staff, customers) == (4, 20, 60)
    assert links >= 60
    centre = await kabot.store.units.centre()
    assert centre is not None and centre.code == "KA"
    yt = await kabot.store.units.by_code("YT")
    responsible = await kabot.store.staff.by_id(yt.responsible_staff_id)  # type: ignore[union-attr,arg-type]
    assert responsible is not None and responsible.name == "孙伟"
    # the leaver's customer is listed for handover
    assert "C0060" in output and "请交接" in output
    leaver = await kabot.store.staff.by_code("NF005")
    assert leaver is not None and not leaver.active
    emily = await kabot.store.staff.by_code("NF004")
    assert emily is not None and emily.language == "en" and emily.username == "emily_hu_nf"


async def test_workbook_and_csv_folder_hold_the_same_organisation(kabot: Kabot) -> None:
    code, _ = await kabot.import_roster(EXAMPLES / "roster.xlsx")
    assert code == 0
    code, output = await kabot.import_roster(EXAMPLES / "roster")
    assert code == 0
    assert "新增 0，更新 0，未变 60" in output  # nothing differs between the two
    assert await _counts(kabot) == (4, 20, 60, (await _counts(kabot))[3])


async def test_reimport_updates_in_place_and_keeps_history(kabot: Kabot, tmp_path: Path) -> None:
    folder = _copy_examples(tmp_path)
    assert (await kabot.import_roster(folder))[0] == 0
    before = await _counts(kabot)
    customer = (await kabot.store.customers.search("C0002", unit_id=None)).items[0]
    assert customer.grade == "B"

    _edit_csv(folder, "customers", 3, "等级", "A")  # C0002 becomes A-grade
    _edit_csv(folder, "customers", 3, "负责人员", "YT002、YT003")
    _edit_csv(folder, "staff", 3, "姓名", "李志强（营销总监）")
    code, output = await kabot.import_roster(folder)

    assert code == 0, output
    assert "人员：新增 0，更新 1" in output
    assert "客户：新增 0，更新 1" in output
    assert await _counts(kabot) == (before[0], before[1], before[2], before[3] + 1)
    updated = await kabot.store.customers.by_id(customer.id)
    assert updated is not None and updated.grade == "A"
    assert set(updated.staff_names) == {"周丽", "吴强"}
    history = await kabot.store.audit.for_entity("customer", customer.id)
    regraded = [h for h in history if h.action == "customer.reimported"]
    assert regraded and regraded[-1].before["grade"] == "B"  # type: ignore[index]
    assert regraded[-1].after["grade"] == "A"  # type: ignore[index]
    assert any(h.action == "customer.staff_assigned" for h in history)


async def test_marking_a_leaver_in_the_roster_deactivates_them(
    kabot: Kabot, tmp_path: Path
) -> None:
    folder = _copy_examples(tmp_path)
    assert (await kabot.import_roster(folder))[0] == 0
    _edit_csv(folder, "staff", 10, "状态", "离职")  # YT003 吴强
    code, output = await kabot.import_roster(folder)
    assert code == 0, output
    wu = await kabot.store.staff.by_code("YT003")
    assert wu is not None and not wu.active


async def test_staff_missing_from_a_reimport_are_listed_not_deleted(
    kabot: Kabot, tmp_path: Path
) -> None:
    folder = _copy_examples(tmp_path)
    assert (await kabot.import_roster(folder))[0] == 0
    path = folder / "staff.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join(line for line in lines if "BQ003" not in line), "utf-8-sig")
    code, output = await kabot.import_roster(folder)
    assert code == 0
    assert "BQ003 罗斌" in output
    assert (await kabot.store.staff.by_code("BQ003")) is not None


BAD_ROWS = [
    # (sheet, row, column, value, words the report must contain)
    ("customers", 5, "等级", "E", ["customers 第5行", "“等级”的值“E”无效"]),
    ("customers", 7, "客户名称", "", ["customers 第7行", "“客户名称”不能为空"]),
    ("customers", 8, "所属本部", "XX", ["customers 第8行", "本部“XX”不存在"]),
    ("customers", 9, "负责人员", "YT999", ["customers 第9行", "人员工号“YT999”不存在"]),
    ("customers", 10, "上次拜访", "昨天", ["customers 第10行", "日期“昨天”无效"]),
    ("customers", 11, "拜访频次", "每周", ["customers 第11行", "“每周”无效"]),
    ("customers", 12, "客户编码", "C0001", ["customers 第12行", "编码“C0001”重复"]),
    ("staff", 4, "Telegram ID", "abc", ["staff 第4行", "Telegram ID“abc”无效"]),
    ("staff", 5, "用户名", "中文名", ["staff 第5行", "用户名“中文名”无效"]),
    ("staff", 6, "角色", "老板", ["staff 第6行", "“角色”的值“老板”无效"]),
    ("staff", 8, "所属本部", "", ["staff 第8行", "必须填写所属本部"]),
    ("staff", 9, "Telegram ID", "500100101", ["staff 第9行", "Telegram ID“500100101”重复"]),
    ("units", 3, "群组ID", "12345", ["units 第3行", "群组ID“12345”无效"]),
    ("units", 3, "群组ID", "-1001", ["units 第2行", "units 第3行", "群组ID“-1001”重复"]),
    ("units", 4, "类别", "KA中心", ["units 第4行", "只能有一个KA中心"]),
    ("units", 2, "第一负责人", "KA999", ["units 第2行", "人员工号“KA999”不存在"]),
]


@pytest.mark.parametrize(("sheet", "row", "column", "value", "words"), BAD_ROWS)
async def test_a_bad_row_refuses_the_whole_import(
    kabot: Kabot,
    tmp_path: Path,
    sheet: str,
    row: int,
    column: str,
    value: str,
    words: list[str],
) -> None:
    folder = _copy_examples(tmp_path)
    if value == "-1001":  # a group id twice: the centre (row 2) already has it
        _edit_csv(folder, "units", 2, "群组ID", "-1001")
    _edit_csv(folder, sheet, row, column, value)
    code, output = await kabot.import_roster(folder)
    assert code == 1
    assert "导入被拒绝，数据库未做任何修改" in output
    for word in words:
        assert word in output, output
    assert await _counts(kabot) == (0, 0, 0, 0)


async def test_a_bad_reimport_leaves_the_previous_roster_untouched(
    kabot: Kabot, tmp_path: Path
) -> None:
    folder = _copy_examples(tmp_path)
    assert (await kabot.import_roster(folder))[0] == 0
    before = await _counts(kabot)
    _edit_csv(folder, "customers", 2, "客户名称", "新名字")  # a good change…
    _edit_csv(folder, "customers", 3, "等级", "Z")  # …and a bad one
    code, _ = await kabot.import_roster(folder)
    assert code == 1
    assert await _counts(kabot) == before
    first = (await kabot.store.customers.search("C0001", unit_id=None)).items[0]
    assert first.name != "新名字"


async def test_staff_without_any_telegram_account_is_refused(kabot: Kabot, tmp_path: Path) -> None:
    folder = _copy_examples(tmp_path)
    row = _append_csv(folder, "staff", ["YT010", "钱多", "客户经理", "YT", "", "", "中文", "在职"])
    code, output = await kabot.import_roster(folder)
    assert code == 1
    assert f"staff 第{row}行" in output and "请填写 Telegram ID 或用户名" in output


async def test_a_telegram_id_already_held_by_someone_else_is_refused(
    kabot: Kabot, tmp_path: Path
) -> None:
    folder = _copy_examples(tmp_path)
    assert (await kabot.import_roster(folder))[0] == 0
    # A new person given 周丽's Telegram id by mistake.
    _append_csv(folder, "staff", ["YT011", "钱多", "客户经理", "YT", "500200102", "", "", ""])
    code, output = await kabot.import_roster(folder)
    assert code == 1
    assert "Telegram ID“500200102”已属于 YT002" in output


async def test_a_group_bound_to_another_unit_is_refused(kabot: Kabot, tmp_path: Path) -> None:
    folder = _copy_examples(tmp_path)
    assert (await kabot.import_roster(folder))[0] == 0
    yt = await kabot.store.units.by_code("YT")
    assert yt is not None
    await kabot.store.units.bind_group(yt.id, -100777, actor="test")
    _edit_csv(folder, "units", 4, "群组ID", "-100777")  # row 4 is BQ
    code, output = await kabot.import_roster(folder)
    assert code == 1
    assert "units 第4行：群组ID“-100777”已是本部 YT 的工作群" in output
    # the same id for the unit that already has it is no change at all
    _edit_csv(folder, "units", 4, "群组ID", "")
    _edit_csv(folder, "units", 3, "群组ID", "-100777")
    code, output = await kabot.import_roster(folder)
    assert code == 0, output


async def test_a_grade_contacts_are_counted_in_the_database_not_the_file(
    kabot: Kabot, tmp_path: Path
) -> None:
    folder = _copy_examples(tmp_path)
    code, output = await kabot.import_roster(folder)
    assert code == 0 and "以下客户不足" not in output  # the sample serves A customers well
    # a re-import of the customers sheet alone: the staff are in the database already
    only_customers = tmp_path / "only_customers"
    only_customers.mkdir()
    shutil.copy(folder / "customers.csv", only_customers / "customers.csv")
    code, output = await kabot.import_roster(only_customers)
    assert code == 0 and "以下客户不足" not in output
    # one of the two contacts of an A customer leaves
    a_customer = next(
        c
        for c in (await kabot.store.customers.search("", unit_id=None, limit=100)).items
        if c.grade == "A" and "周丽" in c.staff_names
    )
    await kabot.store.staff.set_active("YT002", False, actor="test")
    code, output = await kabot.import_roster(only_customers)
    assert f"{a_customer.code} {a_customer.name}（液态奶事业本部）" in output


async def test_missing_column_is_reported_with_its_sheet(kabot: Kabot, tmp_path: Path) -> None:
    folder = _copy_examples(tmp_path)
    path = folder / "customers.csv"
    text = path.read_text(encoding="utf-8-sig").replace("等级,", "级别,", 1)
    path.write_text(text, encoding="utf-8-sig")
    code, output = await kabot.import_roster(folder)
    assert code == 1
    assert "customers 第1行：缺少“等级”列" in output


async def test_gbk_csv_saved_by_chinese_excel_is_read(kabot: Kabot, tmp_path: Path) -> None:
    folder = _copy_examples(tmp_path)
    for file in folder.glob("*.csv"):
        file.write_bytes(file.read_text(encoding="utf-8-sig").encode("gb18030"))
    code, output = await kabot.import_roster(folder)
    assert code == 0, output
    assert (await kabot.store.customers.search("沃尔玛", unit_id=None)).total >= 1


async def test_english_workbook_with_excel_types(kabot: Kabot, tmp_path: Path) -> None:
    book = Workbook()
    units = book.active
    assert units is not None
    units.title = "units"
    units.append(["code", "name", "kind", "responsible"])
    units.append(["HQ", "KA Centre", "centre", "E1"])
    units.append(["EAST", "East Unit", "unit", "E2"])
    staff = book.create_sheet("staff")
    staff.append(["code", "name", "role", "unit", "telegram_id", "username", "language"])
    staff.append(["E1", "Ann Director", "director", "HQ", 700000001.0, None, "English"])
    staff.append(["E2", "Ben Manager", "manager", "EAST", 700000002, "ben_manager", "en"])
    customers = book.create_sheet("customers")
    customers.append(
        ["code", "name", "kind", "grade", "visit_class", "unit", "staff", "last_visit"]
    )
    from datetime import datetime

    # Excel stores dates without a time zone; openpyxl hands them back naive.
    customers.append(
        ["X1", "Metro East", "KA retailer", "a", "monthly", "EAST", "E2", datetime(2026, 10, 3)]  # noqa: DTZ001
    )
    path = tmp_path / "org.xlsx"
    book.save(path)
    code, output = await kabot.import_roster(path)
    assert code == 0, output
    ann = await kabot.store.staff.by_code("E1")
    assert ann is not None and ann.telegram_id == 700000001 and ann.language == "en"
    metro = (await kabot.store.customers.search("metro", unit_id=None)).items[0]
    assert metro.grade == "A" and str(metro.last_visit_on) == "2026-10-03"
    assert "A级客户应至少有 2 名在职对接人员" in output  # a warning, not a refusal
    assert "X1 Metro East（East Unit）" in output


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("missing", None, "找不到"),
        ("roster.txt", b"hello", "只支持 .xlsx 工作簿或 CSV 文件夹"),
        ("units.csv", b"code,name\n", "请给出 CSV 文件所在的文件夹"),
        ("broken.xlsx", b"not a zip file", "无法读取该工作簿"),
    ],
)
async def test_files_that_are_not_rosters(
    kabot: Kabot, tmp_path: Path, name: str, content: bytes | None, words: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, output = await kabot.import_roster(path)
    assert code == 1
    assert words in output


def test_shipped_workbook_has_the_five_sheets() -> None:
    book = load_workbook(EXAMPLES / "roster.xlsx", read_only=True)
    assert book.sheetnames == ["事业本部", "人员", "客户", "门店", "A类标准"]
