"""deploy/: the scheduler recipes the README shows, run on a real Slurm and parsed for the others."""
import csv
import os
import re
import shutil
import subprocess
import sys
import time

import nbformat
import yaml

from conftest import FIXTURES, ROOT
from fixtures.broken import RECIPES

DEPLOY = ROOT / "deploy"
CLASS = {f"s{i:02d}": recipe for i, recipe in
         enumerate(["good", "wrong_cube", "good", "edited_test_cell", "good", "wrong_cube", "good", "deleted_test_cell",
                    "good", "fake_pass_output"])}


def _readme_commands() -> list:
    """The command lines of the README's `deploy/` code block (comments dropped)."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(# Slurm:.*?)```", text, re.S)
    assert block, "the README shows no deploy/ code block"
    return [line.strip() for line in block[1].splitlines() if line.strip() and not line.startswith("#")]


def _class_course(tmp_path):
    """A released copy of the tiny course with CLASS's submissions in submissions/: the course root."""
    from autograder.release import release

    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(FIXTURES / "course" / "nbgrader_config.py", root)
    shutil.copytree(FIXTURES / "course" / "solutions", root / "solutions")
    release(root, log=lambda *_: None)
    release_nb = nbformat.read(root / "assignments" / "squares" / "squares.ipynb", as_version=4)
    (root / "submissions").mkdir()
    for student, recipe in CLASS.items():
        (root / "submissions" / f"{student}.ipynb").write_bytes(RECIPES[recipe](release_nb))
    return root


def _autograder(*args, cwd):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=900)


def test_slurm_array_of_4_shards_then_merge_equals_one_run(slurm, tmp_path):
    """On a real Slurm, does the README's `sbatch --array=1-4 deploy/slurm/grade.sbatch ...` grade four
    shards (each from `--shard auto`), and does the README's `merge` of them give the grades one
    unsharded run gives, every student recorded in the gradebook?"""
    from nbgrader.api import Gradebook

    root = _class_course(tmp_path)
    sbatch, merge_line = _readme_commands()[:2]
    args = sbatch.split()[1:]                       # --array=1-4 deploy/slurm/grade.sbatch squares ...
    args[1] = str(DEPLOY / "slurm" / "grade.sbatch")
    args[2] = "squares"
    start = time.monotonic()
    job = slurm.run("sbatch", "--parsable", f"--export=ALL,PYTHON={sys.executable}", *args, cwd=root).stdout.strip()
    slurm.wait(job.split(";")[0])
    seconds = time.monotonic() - start
    logs = {p.name: p.read_text() for p in root.glob("slurm-*.out")}
    assert len(logs) == 4, logs
    shards = sorted((root / "grading" / "backprop-shards").glob("shard-*"))
    assert [p.name for p in shards] == ["shard-1", "shard-2", "shard-3", "shard-4"], logs
    for i, folder in enumerate(shards, start=1):
        assert f"squares shard {i}/4:" in "".join(logs.values()), logs

    merged = subprocess.run(merge_line.replace(".venv/bin/python", sys.executable), shell=True, cwd=root,
                            capture_output=True, text=True, timeout=900)   # the README's line, its glob by the shell
    assert merged.returncode == 0, merged.stdout + merged.stderr
    whole = _autograder("grade", "squares", "submissions", "--no-gradebook", "--out", tmp_path / "whole", cwd=root)
    assert whole.returncode == 0, whole.stdout + whole.stderr
    merged_rows = list(csv.DictReader(open(root / "grading" / "backprop" / "grades.csv")))
    assert merged_rows == list(csv.DictReader(open(tmp_path / "whole" / "grades.csv")))
    assert sorted(r["student_id"] for r in merged_rows) == sorted(CLASS)
    with Gradebook(f"sqlite:///{root / 'grading' / 'gradebook.db'}") as gb:
        assert sorted(s.student.id for s in gb.assignment_submissions("squares")) == sorted(CLASS)
    print(f"Slurm array of 4 shards, {len(CLASS)} submissions: {seconds:.1f} s from sbatch to the last task's end")


def test_readme_commands_are_the_slurm_scripts():
    """Does the Slurm script's own usage show the README's sbatch and merge lines, and grade with --shard auto?"""
    script = (DEPLOY / "slurm" / "grade.sbatch").read_text()
    sbatch, merge_line = _readme_commands()[:2]
    assert sbatch in script and merge_line in script
    assert "--shard auto" in script and "--no-gradebook" in script
    assert os.access(DEPLOY / "slurm" / "grade.sbatch", os.X_OK)


def test_kubernetes_indexed_job_gives_each_pod_its_shard():
    """Is the README's manifest an Indexed Job whose AUTOGRADER_SHARD_COUNT equals its completions, each pod
    grading `--shard auto` into a folder of its own index, with the README's merge line in it?"""
    assert "kubectl apply -f deploy/kubernetes/grade-job.yaml" in _readme_commands()
    text = (DEPLOY / "kubernetes" / "grade-job.yaml").read_text()
    job = yaml.safe_load(text)
    assert (job["apiVersion"], job["kind"], job["spec"]["completionMode"]) == ("batch/v1", "Job", "Indexed")
    container = job["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert int(env["AUTOGRADER_SHARD_COUNT"]) == job["spec"]["completions"]
    command = " ".join(container["command"])
    assert "-m autograder grade" in command and "--shard auto" in command
    assert "shard-$(JOB_COMPLETION_INDEX)" in command
    assert _readme_commands()[1] in text


def test_github_matrix_gives_each_job_its_shard_and_merges_them_all():
    """Does the workflow's matrix run one job per shard of AUTOGRADER_SHARD's split, and a merge job after them?"""
    workflow = yaml.safe_load((DEPLOY / "github" / "grade.yml").read_text())
    shard_job = workflow["jobs"]["shard"]
    shards = shard_job["strategy"]["matrix"]["shard"]
    count = int(shard_job["env"]["AUTOGRADER_SHARD"].split("/")[1])
    assert shards == list(range(1, count + 1))
    runs = [step.get("run", "") for step in shard_job["steps"]]
    assert any("autograder grade" in r and "--shard auto" in r for r in runs)
    merge_job = workflow["jobs"]["merge"]
    assert merge_job["needs"] == "shard"
    assert any("autograder merge out/shard-*" in step.get("run", "") for step in merge_job["steps"])
