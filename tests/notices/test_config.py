"""The notices configuration: defaults, a TOML file named by FAZHAN_NOTICES_CONFIG, errors in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from notices.config import DEFAULT_CONFIG, load_config


def test_defaults_without_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAZHAN_NOTICES_CONFIG", raising=False)
    config = load_config()
    assert config is DEFAULT_CONFIG
    assert (config.offsets, config.escalate_after_days, config.max_attempts) == ((-7, 0, 1), 7, 5)


def test_a_toml_file_overrides_what_it_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "notices.toml"
    path.write_text('[notices]\noffsets = [-14, -3, 0, 2]\nescalate_after_days = 10\n'
                    'smtp_host = "mail.example.edu.cn"\nsmtp_timeout = 5\n', encoding="utf-8")
    monkeypatch.setenv("FAZHAN_NOTICES_CONFIG", str(path))
    config = load_config()
    assert config.offsets == (-14, -3, 0, 2) and config.escalate_after_days == 10
    assert config.smtp_host == "mail.example.edu.cn" and config.smtp_timeout == 5.0
    assert config.opening_offsets == DEFAULT_CONFIG.opening_offsets


@pytest.mark.parametrize(("text", "message"), [("offset = [1]", "无法识别的配置项：offset"),
                                               ("offsets = 7", "应为列表"), ("max_attempts = \"三\"", "类型不对")])
def test_mistakes_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "notices.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_config(path)
