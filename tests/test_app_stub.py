from streamlit.testing.v1 import AppTest


def test_app_opens_on_demo_map():
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    assert not at.exception
    assert any("Investment map" in t.value for t in at.title)
    assert any("fictional" in c.value for c in at.caption)
