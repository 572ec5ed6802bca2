"""The pure core of SuperCuts: numpy, torch and scipy only, never Qt."""
