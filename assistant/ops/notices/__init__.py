"""Notices (공지): supervisors' and editors' time-limited notices for a region, pushed to the widgets and
cited above the manual answer for matching questions."""
