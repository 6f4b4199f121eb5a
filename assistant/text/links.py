"""Web addresses in manual text and answers: 'http://www.lllcard.kr', 'www.work.go.kr', 'tv.kcmf.or.kr'.

One pattern for every reader of links: the answer card (where to apply online) and the grounding check
(a model can make up an address as easily as a number).

>>> [m.group(0) for m in WEB_ADDRESS.finditer("누리집(www.bokjiro.go.kr) 또는 tv.kcmf.or.kr 에서 신청")]
['www.bokjiro.go.kr', 'tv.kcmf.or.kr']
>>> bool(WEB_ADDRESS.search("월 20만 원을 지급합니다."))
False
"""

from __future__ import annotations

import re

#: a scheme or www. address, or a bare host name under a known top-level domain (kr, com, net, org)
WEB_ADDRESS = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+"
    r"|(?<![A-Za-z0-9.@-])(?:[A-Za-z0-9-]+\.)+(?:kr|com|net|org)(?:/[^\s<>\"')\]]*)?(?![A-Za-z0-9-])")
