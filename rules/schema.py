"""JSON Schemas of the rules-as-data files. The loader validates every file against them before use."""

CONDITION = {
    "type": "object",
    "minProperties": 1,
    "oneOf": [
        {
            "required": ["all"],
            "properties": {"all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}},
            "additionalProperties": False,
        },
        {
            "required": ["any"],
            "properties": {"any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}},
            "additionalProperties": False,
        },
        {
            "required": ["not"],
            "properties": {"not": {"$ref": "#/$defs/condition"}},
            "additionalProperties": False,
        },
        {"required": ["always"], "properties": {"always": {"const": True}}, "additionalProperties": False},
        {
            "required": ["outcome"],
            "properties": {"outcome": {"type": "string"}, "strength": {"const": "strong"}},
            "additionalProperties": False,
        },
        {
            "required": ["outcome_any"],
            "properties": {"outcome_any": {"type": "array", "items": {"type": "string"}}},
            "additionalProperties": False,
        },
        {
            "required": ["outcome_any_set"],
            "properties": {"outcome_any_set": {"type": "string"}},
            "additionalProperties": False,
        },
        {
            "required": ["q"],
            "properties": {
                "q": {"type": "string"},
                "eq": {"type": ["string", "boolean", "integer"]},
                "ne": {"type": ["string", "boolean", "integer"]},
                "in": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                "in_set": {"type": "string"},
                "any_of": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                "any_of_set": {"type": "string"},
                "only": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                "count_of": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                "lt": {"type": "integer"},
                "gte": {"type": "integer"},
            },
            "additionalProperties": False,
            "minProperties": 2,
            "maxProperties": 3,
        },
    ],
}

_CITATION = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "required": ["ref", "qr"],
            "properties": {
                "ref": {"type": "string", "minLength": 1},
                "qr": {"type": ["string", "null"]},
                "qr_note": {"type": "string"},
            },
            "additionalProperties": False,
        },
    ]
}

_ID = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_]*$"}
# One item of a check's `when`: a question leaf of the condition grammar, or a comparison of two answers (or of
# an answer and a constant).
_CHECK_ITEM = {
    "oneOf": [
        {"$ref": "#/$defs/condition", "required": ["q"]},
        {
            "type": "object",
            "required": ["compare"],
            "additionalProperties": False,
            "properties": {
                "compare": {
                    "type": "object",
                    "required": ["left", "op"],
                    "additionalProperties": False,
                    "properties": {
                        "left": _ID,
                        "op": {"enum": ["lt", "gt", "eq", "ne"]},
                        "right": _ID,
                        "value": {"type": ["string", "integer", "boolean"]},
                    },
                    "oneOf": [{"required": ["right"]}, {"required": ["value"]}],
                }
            },
        },
    ]
}
_TEXT = {"type": "string"}

QUESTIONNAIRE = {
    "$defs": {"condition": CONDITION},
    "type": "object",
    "required": ["meta", "sections", "sets", "questions"],
    "additionalProperties": False,
    "properties": {
        "meta": {"type": "object", "required": ["slug", "version"]},
        "sections": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "title"],
                "properties": {"id": _ID, "title": _TEXT},
            },
        },
        "sets": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        # Contradiction checks (rules/checks.py): the answers they name cannot all be true (error) or must be
        # confirmed by a caseworker (warning).
        "checks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "severity", "questions", "when", "message"],
                "additionalProperties": False,
                "properties": {
                    "id": _ID,
                    "severity": {"enum": ["error", "warning"]},
                    "questions": {"type": "array", "minItems": 2, "uniqueItems": True, "items": _ID},
                    "when": {"type": "array", "minItems": 1, "items": _CHECK_ITEM},
                    "message": {"type": "string", "minLength": 10},
                },
            },
        },
        "questions": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "section", "type", "audience", "prompt", "help"],
                "additionalProperties": False,
                "properties": {
                    "id": _ID,
                    "section": _ID,
                    "type": {
                        "enum": [
                            "country",
                            "boolean",
                            "integer",
                            "single_choice",
                            "multi_choice",
                            "text",
                            "date",
                        ]
                    },
                    "audience": {"enum": ["claimant", "caseworker", "either"]},
                    "required": {"type": "boolean"},
                    "sensitive": {"type": "boolean"},
                    # date questions only (the loader checks): month and year alone accepted, stored YYYY-MM
                    "approximate": {"type": "boolean"},
                    # date questions only: a past event, so a date after today is refused (future_date)
                    "past": {"type": "boolean"},
                    "prompt": _TEXT,
                    "caseworker_prompt": _TEXT,
                    "help": _TEXT,
                    "caseworker_help": _TEXT,
                    "show_if": {"$ref": "#/$defs/condition"},
                    # Examples that name a country, shown only when country_of_origin is that country.
                    "hints_by_country": {
                        "type": "object",
                        "additionalProperties": False,
                        "patternProperties": {
                            "^[A-Z]{2}$": {
                                "type": "object",
                                "required": ["help"],
                                "additionalProperties": False,
                                "properties": {"help": _TEXT, "caseworker_help": _TEXT},
                            }
                        },
                    },
                    "options": {
                        "type": "array",
                        "minItems": 2,
                        "items": {
                            "type": "object",
                            "required": ["id", "label"],
                            "additionalProperties": False,
                            "properties": {"id": _ID, "label": _TEXT, "caseworker_label": _TEXT},
                        },
                    },
                },
            },
        },
    },
}

RULESET = {
    "$defs": {"condition": CONDITION},
    "type": "object",
    "required": ["meta", "outcomes", "rules", "post_processing"],
    "additionalProperties": False,
    "properties": {
        "meta": {"type": "object", "required": ["slug", "version"]},
        "strength_levels": {"type": "array"},
        "outcomes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "category", "title", "citations", "description"],
                "additionalProperties": False,
                "properties": {
                    "id": _ID,
                    "category": {"enum": ["convention_ground", "persecution_act", "subsidiary_protection", "flag"]},
                    "title": _TEXT,
                    "description": _TEXT,
                    "citations": {"type": "array", "minItems": 1, "items": _CITATION},
                    # an item is a text, or {text, when}: relevant only when the condition is not false
                    "evidence": {
                        "type": "array",
                        "items": {
                            "oneOf": [
                                _TEXT,
                                {
                                    "type": "object",
                                    "required": ["text", "when"],
                                    "additionalProperties": False,
                                    "properties": {"text": _TEXT, "when": {"$ref": "#/$defs/condition"}},
                                },
                            ]
                        },
                    },
                },
            },
        },
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "outcome", "legal_md_rule", "rationale", "when"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^R[0-9]+[a-z]?$"},
                    "outcome": _ID,
                    "legal_md_rule": {"type": "integer"},
                    "rationale": {"type": "string", "minLength": 10},
                    "citations": {"type": "array", "items": _CITATION},
                    "emit_on_unknown": {"type": "boolean"},
                    "when": {"$ref": "#/$defs/condition"},
                    "strong_if": {"$ref": "#/$defs/condition"},
                },
            },
        },
        "post_processing": {
            "type": "array",
            "items": {"type": "object", "required": ["id", "legal_md_rule", "description"]},
        },
    },
}

# One citable COI source: a publication a caseworker can find (never a project file or a test case).
COI_SOURCE = {
    "type": "object",
    "required": ["title", "publisher", "date"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 3},
        "publisher": {"type": "string", "minLength": 2},
        "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "url": {"type": "string", "pattern": "^https://[^\\s]+$"},
    },
}

COUNTRY_PROFILES = {
    "type": "object",
    "required": ["profiles"],
    "properties": {
        "sources": {"type": "object", "additionalProperties": COI_SOURCE},  # the file's library (YAML anchors)
        "profiles": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "name", "reviewed", "values"],
                "properties": {
                    "code": {"type": "string", "pattern": "^[A-Z]{2}$"},
                    "name": _TEXT,
                    "reviewed": {"type": "string", "format": "date"},
                    "summary": _TEXT,
                    "values": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "required": ["value", "sources"],
                            "properties": {
                                "value": {"type": ["string", "boolean", "integer"]},
                                "sources": {"type": "array", "minItems": 1, "items": COI_SOURCE},
                                "note": _TEXT,
                                "contested": {"type": "boolean"},
                                # Derived on loading (rules.profiles.normalise_values); accepted, then recomputed.
                                "source": _TEXT,
                                "date": _TEXT,
                                "profile": _TEXT,
                                "reviewed": _TEXT,
                            },
                            "additionalProperties": False,
                        },
                    },
                },
            },
        },
    },
}
