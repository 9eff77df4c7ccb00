"""What a claimant may read: hints without legal citations.

The questionnaire's hints were written for lawyers and caseworkers and many cite instruments ("GIP No. 10,
para 3", "QR Art 9(2)(e)", "Керівництво УВКБ ООН, paras 167-169"). Showing a claimant which legal test an answer
feeds invites tailored answers, and citations do not help them answer. So a hint that cites law is kept for the
caseworker and not shown in claimant mode. Citations stay in Latin script in the ru/uk files (see their
headers), and instruments are named in each language: both are matched.
"""

from __future__ import annotations

import re

LEGAL_CITATION = re.compile(
    r"\b(?:Arts?|paras?|GIP|QR|QD|TPD|APR|ECHR|CJEU|ECtHR|UKUT|IAC|OPAC|CRC|Directive|Regulation|Handbook|"
    r"Convention|Protocol|Statute|UNHCR)\b"
    r"|\bC-\d+/\d+"
    r"|Директив|Регламент|Конвенц|Керівництв|Руководств|Протокол|статут|УВКБ|ЄСПЛ|ЕСПЧ|Суд ЄС|Суд ЕС",
)


def cites_law(text: str | None) -> bool:
    return bool(text) and LEGAL_CITATION.search(text) is not None


def claimant_hint(text: str | None) -> str:
    """The hint as a claimant sees it: empty when it cites law (the caseworker still sees it)."""
    return "" if cites_law(text) else (text or "")
