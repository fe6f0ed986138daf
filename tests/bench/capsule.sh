# capsule.sh: the fixed benchmark content, sourced by bench.sh and
# profile.sh so that both measure the same page and the same gemlog.

# 32 lines of 64 bytes: exactly 2048 bytes of gemtext.
page_2k() {
	local i
	printf '%-63s\n' "# Benchmark page"
	for i in $(seq 1 31); do
		printf '%-63s\n' "Line $i of a fixed 2 KB page for capsuled benchmarks."
	done
}

# posts_1000 DIR: a gemlog of 1,000 posts named 2026-MM-DD-post-N.gmi,
# each starting "# Post N".
posts_1000() {
	mkdir -p "$1"
	: > "$1/.gemlog"
	awk -v dir="$1" 'BEGIN {
		for (n = 1; n <= 1000; n++) {
			f = sprintf("%s/2026-%02d-%02d-post-%d.gmi", dir,
			    (n - 1) % 12 + 1, int((n - 1) / 12) % 28 + 1, n)
			printf "# Post %d\n\nBody of post %d, a short " \
			    "paragraph of generated text.\n", n, n > f
			close(f)
		}
	}'
}
