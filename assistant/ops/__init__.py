"""Supervisors' view of the live service: urgent-issue alerts, notices, trends and 현행화 reports."""
