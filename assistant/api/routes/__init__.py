"""HTTP routes by audience: counselors (search, advice, feedback), live calls, editors, admin and reports."""
