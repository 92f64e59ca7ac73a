"""OData as SharePoint's ``/_api`` speaks it: the flavour ``Accept`` asks for, ``$select``, and an entity
rendered in that flavour.

Flavours: ``verbose`` (``{"d": {"__metadata": ..}}``), ``nometadata`` (flat), ``minimal``
(``odata=minimalmetadata``: ``odata.metadata`` & co.), and the OData v4 ``odata.metadata=minimal|none``
forms (``v4``, ``v4none``), which only SharePoint Online speaks: the farm maps them to their v3
counterparts before rendering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidClientQuery

CONTENT_TYPES = {
    "verbose": "application/json;odata=verbose;charset=utf-8",
    "nometadata": "application/json;odata=nometadata;streaming=true;charset=utf-8",
    "minimal": "application/json;odata=minimalmetadata;streaming=true;charset=utf-8",
    "v4": "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8",
    "v4none": "application/json;odata.metadata=none;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8",
}
# Complex-typed properties get their own __metadata in verbose answers.
COMPLEX_TYPES = {
    "CurrentChangeToken": "SP.ChangeToken",
    "ResourcePath": "SP.ResourcePath",
    "UserId": "SP.UserIdInfo",
}


def odata_mode(accept: str | None) -> str:
    """The OData flavour a client asked for.

    [unsure] Without a JSON ``Accept`` (none, ``*/*``, ``application/atom+xml``) SharePoint answers Atom
    XML; the sandbox answers minimal-metadata JSON instead, since no spkit client asks for XML.
    """
    accept = (accept or "").lower().replace(" ", "")
    if "odata=verbose" in accept:
        return "verbose"
    if "odata=nometadata" in accept:
        return "nometadata"
    if "odata.metadata=none" in accept:
        return "v4none"
    if "odata.metadata=minimal" in accept or "odata.metadata=full" in accept:
        return "v4"
    return "minimal"


def select(fields: dict[str, Any], raw: str | None, entity: str) -> dict[str, Any]:
    """Apply ``$select``; an unknown property is SharePoint's InvalidClientQueryException (400)."""
    if not raw or raw.strip() == "*":
        return fields
    by_lower = {name.lower(): name for name in fields}
    chosen: dict[str, Any] = {}
    for wanted in (w.strip() for w in raw.split(",") if w.strip()):
        name = by_lower.get(wanted.lower())
        if name is None:
            raise InvalidClientQuery(
                f"The property '{wanted}' does not exist on type '{entity}'. "
                "Make sure to only use property names that are defined by the type."
            )
        chosen[name] = fields[name]
    return chosen


def unless_selected(raw_select: str | None, navigation: tuple[str, ...]) -> tuple[str, ...]:
    """A ``$select`` narrows a verbose answer to the chosen properties: no deferred navigation then."""
    return () if raw_select else navigation


@dataclass(frozen=True)
class Entity:
    """One SP entity to render: its type, where it lives, and its (already ``$select``-ed) fields."""

    type_name: str  # SP.Web
    edit_link: str  # Web
    entity_set: str  # SP.ApiData.Webs
    base_url: str  # the site's URL
    fields: dict[str, Any]
    deferred: tuple[str, ...] = field(default=())
    v4_context: str | None = None  # web: the OData v4 context fragment (Online only)

    @property
    def uri(self) -> str:
        return f"{self.base_url}/_api/{self.edit_link}"


def render_entity(entity: Entity, mode: str) -> dict[str, Any]:
    """The JSON body of ``entity`` in OData flavour ``mode``."""
    if mode in ("nometadata", "v4none"):
        return dict(entity.fields)
    if mode == "minimal":
        return {
            "odata.metadata": f"{entity.base_url}/_api/$metadata#{entity.entity_set}/@Element",
            "odata.type": entity.type_name,
            "odata.id": entity.uri,
            "odata.editLink": entity.edit_link,
            **entity.fields,
        }
    if mode == "v4":
        if entity.v4_context is None:
            raise ValueError(f"{entity.type_name} has no OData v4 context")
        # [unsure] the v4 context fragment for /_api/site
        return {
            "@odata.context": f"{entity.base_url}/_api/$metadata#{entity.v4_context}",
            "@odata.type": f"#{entity.type_name}",
            "@odata.id": entity.uri,
            "@odata.editLink": entity.edit_link,
            **entity.fields,
        }
    body: dict[str, Any] = {"__metadata": {"id": entity.uri, "uri": entity.uri, "type": entity.type_name}}
    body.update({nav: {"__deferred": {"uri": f"{entity.uri}/{nav}"}} for nav in entity.deferred})
    for name, value in entity.fields.items():
        complex_type = COMPLEX_TYPES.get(name)
        if complex_type and isinstance(value, dict):
            value = {"__metadata": {"type": complex_type}, **value}
        elif isinstance(value, list):
            value = {"__metadata": {"type": "Collection(Edm.String)"}, "results": value}
        body[name] = value
    return {"d": body}
