"""Fleets (`twostep batch`): many specs, each an isolated worktree run, N at a time, under one
budget, resumable; or fanned out over a GitHub Actions matrix and merged back."""
