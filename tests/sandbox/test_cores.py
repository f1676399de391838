"""The cores a process can use: affinity, capped by a container's CPU quota."""

from __future__ import annotations

import os
from pathlib import Path

from grader.cores import available_cores, cpu_quota


def test_a_cgroup_v2_quota_is_read(tmp_path: Path) -> None:
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert cpu_quota(tmp_path) == 1.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cpu_quota(tmp_path) is None


def test_a_cgroup_v1_quota_is_read(tmp_path: Path) -> None:
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("200000\n")
    assert cpu_quota(tmp_path) == 2.0
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")  # no limit
    assert cpu_quota(tmp_path) is None


def test_nothing_to_read_is_no_limit(tmp_path: Path) -> None:
    assert cpu_quota(tmp_path) is None
    (tmp_path / "cpu.max").write_text("garbage\n")
    assert cpu_quota(tmp_path) is None


def test_the_quota_caps_the_cores(tmp_path: Path) -> None:
    mine = len(os.sched_getaffinity(0))
    assert available_cores(tmp_path) == mine  # no quota: every core this process may use
    (tmp_path / "cpu.max").write_text("50000 100000\n")  # half a CPU still gets one
    assert available_cores(tmp_path) == 1
    (tmp_path / "cpu.max").write_text(f"{(mine + 8) * 100000} 100000\n")  # above: affinity
    assert available_cores(tmp_path) == mine
