"""合规审查 in a real browser: a planner logs in, draws a rectangle-ish polygon on the map with
Leaflet.draw (served from static/vendor, every other host blocked) and gets the review table
and the report downloads."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import map_frame, wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]


def _draw_button(page):  # noqa: ANN001, ANN202
    """The draw toolbar's polygon button, once the map has settled (it re-mounts once)."""
    for _ in range(10):
        wait_ready(page)
        frame = map_frame(page)
        try:
            frame.wait_for_selector(".leaflet-draw-draw-polygon", timeout=5_000)
            return frame
        except Exception:  # noqa: BLE001 - the frame detaches while the page reruns
            page.wait_for_timeout(1000)
    raise AssertionError("no Leaflet.draw toolbar on the compliance map")


def test_planner_draws_a_boundary_and_gets_the_review(page, app_url, blocked):
    from webmap import draw_assets

    draw_assets.install()
    seen: list[str] = []
    page.on("request", lambda req: seen.append(req.url))
    page.goto(f"{app_url}/login")
    wait_ready(page)
    page.get_by_label("用户名").fill("planner")
    page.get_by_label("密码").fill("planner-demo")
    page.get_by_role("button", name="登录").click()
    page.get_by_text(re.compile("已登录")).wait_for()
    page.get_by_role("link", name="合规审查").click()
    page.get_by_role("heading", name="合规审查").wait_for()
    frame = _draw_button(page)
    frame.click(".leaflet-draw-draw-polygon")
    box = frame.locator(".leaflet-container").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    d = min(box["width"], box["height"]) * 0.1
    corners = [(cx - d, cy - d), (cx + d, cy - d), (cx + d, cy + d), (cx - d, cy + d)]
    for x, y in [*corners, corners[0]]:
        page.mouse.click(x, y)
        page.wait_for_timeout(300)
    page.get_by_text("审查结果").wait_for(timeout=120_000)
    page.get_by_role("button", name="下载 PDF 报告").wait_for(timeout=120_000)  # PDF built first
    page.get_by_role("button", name="下载 Excel 报告").wait_for()
    assert any(u.endswith("/app/static/vendor/leaflet-draw/leaflet.draw.js") for u in seen)
    assert blocked == [], f"requests to other hosts were attempted: {blocked}"
