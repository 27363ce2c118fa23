"""The base of the API's read schemas: plain pydantic models, several times cheaper to build
than SQLModel's, which pays off on pages and reports of thousands of items."""

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)
