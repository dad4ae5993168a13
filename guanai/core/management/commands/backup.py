from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from guanai.core.backup import ENGINE_NAMES, backup_database
from guanai.core.management.base import ServiceCommand


class Command(ServiceCommand):
    help = (
        "Write an encrypted backup of the whole database to OUT (mode 600). SQLite is copied "
        "online, PostgreSQL with pg_dump. It restores only where the same data key is set: "
        "keep var/data_key (or GUANAI_DATA_KEY) apart from the backups."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="the backup file to write")

    def handle(self, *args: Any, out: Path, **options: Any) -> None:
        info = backup_database(out, progress=self.stdout.write)
        created = timezone.localtime(info.created).strftime("%Y-%m-%d %H:%M:%S")
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份 {ENGINE_NAMES[info.engine]} 数据库到 {out}（{created}，已加密）。"
            )
        )
