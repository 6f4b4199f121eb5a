"""현행화 (keeping the standard consultation DB current): which entries each district and city department
brought up to date, which much-asked ones it did not, which look stale; the quarterly report
(``rules`` and ``report``: pure; ``service``: the database reads)."""
