# The README an installed package ships: README.md without what only matters in the
# source tree (building, testing, benchmarks, the source layout, pictures kept
# beside it). Dropped: the sections "## Set-up", "## Layout" and "## Measuring",
# lines between <!-- source only --> and <!-- /source only -->, and image lines.
# Usage: awk -f user_readme.awk README.md > README.md (of the package)
/^## / {
	title = substr($0, 4)
	dropping = (title == "Set-up" || title == "Layout" || title == "Measuring")
}
/^<!-- source only -->$/ { hidden = 1; next }
/^<!-- \/source only -->$/ { hidden = 0; next }
dropping || hidden { next }
/^!\[/ { next }
{ print }
