"""An urgent-issue alert reaches the widgets following its region as an ``alert`` banner, through the
runtime's wiring of ``AlertService.on_alert``."""

from __future__ import annotations

import pytest

from assistant.ops.alerts.models import AlertPublic
from assistant.runtime import Runtime
from assistant.types import Region
from tests.conftest import make_settings

pytestmark = pytest.mark.integration


def test_a_new_alert_is_pushed_as_a_banner_to_its_regions_widgets(tmp_path):
    rt = Runtime(make_settings(tmp_path))
    start = rt.push.log.last_id()
    alert = AlertPublic(id=7, topic="단수", region="서울특별시 강남구", count=14, window_seconds=600, baseline=0.4,
                        samples=["역삼동 물이 안 나와요"])
    rt.alerts._notify(alert)  # what the alert worker does for each new alert
    gangnam, _ = rt.push.backlog(start, "kim", [Region("서울특별시", "강남구")])
    mapo, _ = rt.push.backlog(start, "kim", [Region("서울특별시", "마포구")])
    assert [(e.kind, e.data["id"], e.data["topic"]) for e in gangnam] == [("alert", 7, "단수")]
    assert gangnam[0].data == alert.model_dump(mode="json") and mapo == []
    # and the notice drafted from that alert is for its region and topic
    draft = rt.notices.draft(alert)
    assert draft.region == "서울특별시 강남구" and draft.topics[0] == "단수" and draft.source_alert == "7"
