"""The API's OpenAPI document and its reference page, both public: they describe, they hold no data."""
from flask import current_app, jsonify, render_template

from app.blueprints.api import bp, docs, openapi


def _document() -> dict:
    return openapi.document(current_app.config["PUBLIC_BASE_URL"])


@bp.get("/api/v1/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 description of the REST API, for code generators and API test tools."""
    response = jsonify(_document())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/api/docs")
def reference():
    """The REST API reference, read from the same document: endpoints, fields, answers and errors."""
    document = _document()
    return render_template("api/reference.html", document=document, operations=docs.operations(document),
                           models=docs.models(document))
