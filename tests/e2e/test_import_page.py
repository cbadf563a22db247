"""The staff import page 导入数据 in Debian Chromium: a planner uploads a GBK coordinate TXT
lacking 供地状态, is asked for it, sees the problems and a preview map, confirms, and the
parcels are in the store with audit rows; an over-limit or unreadable upload says why.

The app runs with its own throwaway store (``INVESTMAP_STORE``), so nothing of the
worktree's data is touched."""

from __future__ import annotations

import pytest

from layers.store import open_store
from tests.e2e.conftest import (
    ARTIFACTS,
    E2E_PASSWORDS,
    map_frame,
    real_users,
    serve_app,
    wait_ready,
)
from tests.test_coord_txt import SHAANXI, build, rect_lines

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def store_app(tmp_path_factory):
    """(URL, store path) of an app whose store is a fresh copy of the demo county."""
    state = tmp_path_factory.mktemp("import_state")
    store = state / "store.gpkg"
    with serve_app(state, {"INVESTMAP_STORE": str(store), "INVESTMAP_AS_OF": "2026-11-22",
                           "INVESTMAP_USERS": str(real_users(state)),  # no demo passwords
                           "INVESTMAP_DATA": None, "INVESTMAP_DATABASE_URL": None}) as url:
        yield url, store


@pytest.fixture
def staff_page(app_browser, store_app, request):
    """A page logged in as the demo planner, on the import page."""
    url, _ = store_app
    context = app_browser.new_context(viewport={"width": 1600, "height": 1200},
                                      locale="zh-CN")
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith((url, "data:", "blob:", "about:"))
                  else route.abort())
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{url}/login")
    wait_ready(page)
    page.get_by_label("用户名").fill("planner")
    page.get_by_label("密码").fill(E2E_PASSWORDS["planner"])
    page.get_by_role("button", name="登录").click()
    page.get_by_text("工作人员模式", exact=False).wait_for()
    page.get_by_role("link", name="导入数据").click()
    page.get_by_text("上传文件").first.wait_for()
    wait_ready(page)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def _upload(page, name: str, data: bytes) -> None:  # noqa: ANN001
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        {"name": name, "mimeType": "application/octet-stream", "buffer": data})
    page.wait_for_timeout(500)
    wait_ready(page)


def test_planner_imports_a_coordinate_txt_into_the_store(staff_page, store_app, tmp_path):
    page = staff_page
    _, store_path = store_app
    page.get_by_text("单次上传上限 50 MB").wait_for()
    _upload(page, "榆林地块.txt", build(SHAANXI, "gbk-crlf"))
    # 供地状态 is missing: the page asks for it (and only for it), with the registry labels
    status = page.get_by_label("供地状态 (status)")
    status.wait_for()
    assert page.get_by_label("用地性质 (land_use)").count() == 0
    assert page.get_by_text("有错误，不能导入").is_visible()
    status.click()
    page.get_by_role("option", name="储备 (reserve)").click()
    wait_ready(page)
    page.get_by_text("2 个要素可导入（地块）").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    frame = map_frame(page)
    frame.wait_for_selector("path.leaflet-interactive, .leaflet-overlay-pane canvas")
    page.screenshot(path=str(ARTIFACTS / "import_page_ready_1600.png"), full_page=True)
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("新增 2，更新 0，未变 0，审计记录 2 条").wait_for()
    with open_store(store_path) as store:
        stored = store.read_layer("parcel").set_index("parcel_id")
        history = store.history("parcel", "SX-01")
    assert stored.loc["SX-01", "status"] == "reserve"
    assert stored.loc["SX-02", "land_use"] == "0901"
    assert [(e.user, e.role, e.field) for e in history] == [("planner", "planner", "*")]
    assert history[0].reason == "import 榆林地块.txt"


BOW_TIE_FILE = ("2000国家大地坐标系", 3, 37, 111, "cgcs2000", [
    "5,1.5000,SX-11,榆林某地块,面,,工业用地,1001,@", *rect_lines(37_514_000, 4_312_000, 150, 100),
    "5,1.0000,SX-12,画错的地块,面,,工业用地,1001,@",  # crosses itself
    "J1,1,4312500.000,37514000.000", "J2,1,4312600.000,37514100.000",
    "J3,1,4312500.000,37514100.000", "J4,1,4312600.000,37514000.000",
    "J1,1,4312500.000,37514000.000"], {})


def test_a_bad_parcel_can_be_skipped_and_the_rest_imported(staff_page, store_app):
    page = staff_page
    _, store_path = store_app
    _upload(page, "两块.txt", build(BOW_TIE_FILE, "gbk-crlf"))
    page.get_by_label("供地状态 (status)").click()
    page.get_by_role("option", name="储备 (reserve)").click()
    wait_ready(page)
    skip = page.get_by_text("跳过有问题的要素，只导入其余要素")
    skip.wait_for()
    assert page.get_by_text("有错误，不能导入").is_visible()
    skip.click()
    wait_ready(page)
    page.get_by_text("1 个要素可导入（地块）").wait_for()
    page.get_by_text("1 个要素有问题，将不导入").wait_for()
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("新增 1，", exact=False).wait_for()
    with open_store(store_path) as store:
        ids = set(store.read_layer("parcel")["parcel_id"])
    assert "SX-11" in ids and "SX-12" not in ids


def test_unreadable_upload_and_the_limit_are_explained(staff_page, tmp_path):
    page = staff_page
    _upload(page, "红线.dwg", b"AC1032" + bytes(64))
    page.get_by_text("ODA File Converter", exact=False).first.wait_for()
    assert page.get_by_text("有错误，不能导入").is_visible()
    assert page.get_by_role("button", name="确认导入").count() == 0
    big = tmp_path / "huge.txt"
    with big.open("wb") as handle:
        handle.truncate(51 * 2**20)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(big))
    page.get_by_text("File must be 50", exact=False).wait_for()


def test_phone_and_english_layouts(staff_page, store_app):
    page = staff_page
    page.get_by_text("English").click()
    wait_ready(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(500)
    page.get_by_text("Upload limit 50 MB").wait_for()
    _upload(page, "parcels.txt", build(SHAANXI, "gbk-crlf"))
    page.get_by_label("Status (status)").wait_for()
    page.wait_for_timeout(1500)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import_page_en_390.png"), full_page=True)
    assert page.get_by_text("Check results").is_visible()
