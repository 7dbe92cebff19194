"""The archived index keeps each message's sender (issue 12: the Exchange Folders page
lists a folder's messages with subject, sender, dates and size).  Messages indexed
before it have none (NULL, shown as unknown).

Revision 0002, after 0001 (2026-11-30 15:06:45.247086).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("archived", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("archived", schema=None) as batch_op:
        batch_op.drop_column("sender")
