"""The files a newcomer and a CI server read: they must stay valid and say what the code does."""

import shlex

import yaml

from app.core.config import PROJECT_ROOT


def test_docker_compose_runs_postgres_then_migrations_then_the_api() -> None:
    services = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "commitments db upgrade" in " ".join(services["migrate"]["command"])
    assert services["api"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert services["worker"]["command"] == ["commitments", "worker"]
    assert services["worker"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }


def ci_commands(text: str) -> list[list[str]]:
    return [
        shlex.split(line.split("commitments ", 1)[1])
        for line in text.splitlines()
        if "commitments overdue" in line
    ]


def test_the_ci_examples_run_the_check_with_a_token_from_secrets() -> None:
    for name in ("github-actions.yml", "gitlab-ci.yml"):
        text = (PROJECT_ROOT / "examples" / "ci" / name).read_text()
        yaml.safe_load(text)
        commands = ci_commands(text)
        assert commands, name
        assert "ac_" not in text, "no token is written into the file"
        assert "COMMITMENTS_TOKEN" in text
        formats = {command[command.index("--format") + 1] for command in commands}
        assert "junit" in formats, name
        for command in commands:
            assert command[0] == "overdue"
            assert "--api-url" in command
    github = yaml.safe_load((PROJECT_ROOT / "examples/ci/github-actions.yml").read_text())
    assert github[True]["schedule"], "runs nightly"  # YAML 1.1 reads the key `on` as True


def test_the_image_runs_unprivileged_checks_readiness_and_prints_no_token() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    instructions = [line.split(None, 1) for line in dockerfile.splitlines() if line[:1].isupper()]
    users = [rest.strip() for word, rest in instructions if word == "USER"]
    assert users, "the server runs as an unprivileged user"
    assert users[-1] not in ("root", "0")
    healthcheck = next(rest for word, rest in instructions if word == "HEALTHCHECK")
    assert "/readyz" in dockerfile[dockerfile.index(healthcheck) :]
    assert "--no-create-admin" in next(rest for word, rest in instructions if word == "CMD")
    assert "--require-hashes -r requirements.lock" in dockerfile
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    for word, rest in instructions:
        if word == "COPY":
            for source in rest.split()[:-1]:
                assert (PROJECT_ROOT / source).exists(), source
                assert source not in ignored, source
    assert ".git" in ignored
    assert ".venv" in ignored
    services = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]
    assert services["api"]["build"] == "."
    assert services["api"]["environment"]["COMMITMENTS_RATE_LIMIT_STORAGE"].startswith("redis://")
    assert "redis" in services["api"]["depends_on"]


def test_the_lock_file_pins_every_dependency_with_hashes() -> None:
    lines = (PROJECT_ROOT / "requirements.lock").read_text().splitlines()
    pins = [line.split(" ")[0] for line in lines if "==" in line and not line.startswith("#")]
    names = {pin.split("==")[0].lower() for pin in pins}
    assert {"fastapi", "sqlmodel", "alembic", "limits", "redis", "uvicorn"} <= names
    text = "\n".join(lines)
    for pin in pins:
        block = text[text.index(pin) :].split("\n", 1)[1]
        assert block.lstrip().startswith("--hash=sha256:"), pin
    assert "file://" not in text, "no machine-local index in the lock file"
