import pytest
from django.core.management import CommandError, call_command

from excel.models import ImportRecord
from secretaries.models import Secretary
from tests import factories as f

from .test_roster_import import person, xlsx

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    try:
        call_command("import_roster", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


def test_a_good_file_is_written_and_recorded(world, tmp_path):
    path = tmp_path / "花名册.xlsx"
    number = f.id_number()
    path.write_bytes(xlsx([person("孙丽", number)]))
    code, out = run(str(path), "--user", "admin_jx")
    assert code == 0 and "新增 1" in out and "已全部写入" in out
    assert Secretary.objects.filter(id_number=number).exists()
    record = ImportRecord.objects.get()
    assert (record.status, record.user, record.counts["new"]) == ("done", world.users.admin, 1)


def test_a_dry_run_checks_without_writing(world, tmp_path):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx([person("孙丽", f.id_number())]))
    code, out = run(str(path), "--dry-run")
    assert code == 0 and "未写入" in out
    assert not Secretary.objects.filter(name="孙丽").exists()


def test_a_bad_row_exits_1_names_the_row_and_writes_nothing(world, tmp_path):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx([person("孙丽", f.id_number()), person("错号", "370828198503141237")]))
    code, out = run(str(path))
    assert code == 1
    assert "第 3 行  身份证号  身份证号校验位不正确" in out
    assert not Secretary.objects.filter(name="孙丽").exists()


def test_unknown_files_and_users_are_clear_errors(world, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_roster", str(tmp_path / "none.xlsx"))
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx([]))
    with pytest.raises(CommandError, match="没有用户名为 nobody"):
        call_command("import_roster", str(path), "--user", "nobody")
    with pytest.raises(CommandError, match="不能导入"):
        call_command("import_roster", str(path), "--user", "leader")
