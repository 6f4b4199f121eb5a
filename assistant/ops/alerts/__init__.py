"""Urgent-issue alerts (긴급민원 이슈 알리미): every question counted per (topic, region), spikes
against each pair's own baseline raised as alerts for supervisors.

- ``terms``: the urgent-term dictionary and matching it on kiwi morphemes (pure)
- ``detector``: the spike test (pure)
- ``counts``: counts per minute and hour, in Redis or in this process
- ``store``: alerts and dictionary rows in the database
- ``service``: ``AlertService``, what the API and the runtime use
- ``webhook``: POSTing new alerts to a configured URL
"""
