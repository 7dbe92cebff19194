"""A site's engine version as it reported it, beside the one it was registered with
(issue 12 defect 6: a heartbeat overwrote the registered version without a word).

Databases from before keep one version per site in ``engine_version`` — the registered
one, or the last reported one if a heartbeat overwrote it — and no reported version
until the site's next heartbeat.

Revision 0003, after 0002 (2026-11-30 15:08:13.231134).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reported_version", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("reported_version")
