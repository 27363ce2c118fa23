"""The files a newcomer and a CI server read: they must stay valid and say what the code does."""

import shlex

import yaml

from app.core.config import PROJECT_ROOT


def test_docker_compose_runs_postgres_then_migrations_then_the_api() -> None:
    services = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "commitments db upgrade" in " ".join(services["migrate"]["command"])
    assert services["api"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}
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
