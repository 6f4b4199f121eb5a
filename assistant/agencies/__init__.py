"""Agencies (기관): tenants over the common layer of the knowledge base (the 110 center's 2단계 기관별 특화)."""
