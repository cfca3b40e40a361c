"""`icp`, the operator command."""
