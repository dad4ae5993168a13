"""Drop the PostgreSQL test databases a run left behind (a live-server thread can hold one open)."""

import sys

import dj_database_url
import psycopg


def main(url: str) -> None:
    config = dj_database_url.parse(url)
    pattern = f"test_{config['NAME']}%"
    conninfo = (
        f"host={config['HOST']} port={config['PORT'] or 5432} user={config['USER']} dbname=postgres"
    )
    with psycopg.connect(conninfo, autocommit=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,)
            )
        ]
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            print(f"dropped leftover test database {name}")


if __name__ == "__main__":
    main(sys.argv[1])
