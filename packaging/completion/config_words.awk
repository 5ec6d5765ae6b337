# Prints the words that completion offers from a remaphore config, one a line, each
# once; `want` says which: identity-verbs, peer-verbs, identity-keys, peer-keys,
# peer-destinations or destination. The syntax is that of remaphore.conf: "#"
# comments, "key: value" settings, then the [ Identities ] lines
# (<public key> <private key> [verbs]) and the [ Peers ] lines
# (<destination> <public key> [verbs]). Verbs are lower-cased, as remaphore reads them.
function emit(word) {
	if (word != "" && !(word in seen)) { seen[word] = 1; print word }
}
function emit_verbs(line,    list, n, i, verbs, v) {
	if (!match(line, /\[[^]]*\]/)) return
	list = substr(line, RSTART + 1, RLENGTH - 2)
	n = split(list, verbs, ",")
	for (i = 1; i <= n; i++) {
		v = tolower(verbs[i])
		gsub(/^[ \t]+|[ \t]+$/, "", v)
		if (v != "*") emit(v)
	}
}
{
	sub(/#.*/, "")
	gsub(/^[ \t\r]+|[ \t\r]+$/, "")
	if ($0 == "") next
	if ($0 ~ /^\[.*\]$/) {
		section = tolower(substr($0, 2, length($0) - 2))
		gsub(/[ \t]/, "", section)
		next
	}
	if (section == "" && want == "destination" && tolower($0) ~ /^destination[ \t]*:/) {
		sub(/^[^:]*:[ \t]*/, "")
		emit($0)
	}
	if (section == "identities" && want == "identity-keys") emit($1)
	if (section == "identities" && want == "identity-verbs") emit_verbs($0)
	if (section == "peers" && want == "peer-keys") emit($2)
	if (section == "peers" && want == "peer-destinations") emit($1)
	if (section == "peers" && want == "peer-verbs") emit_verbs($0)
}
