"""Demand trends: questions per hour and day by topic and district, the most-asked entries, the questions
with no good answer, abstentions (``counting``: pure; ``service``: the database reads)."""
