"""Counselor-assist service for Korean public call centers."""

__version__ = "0.1.0"
