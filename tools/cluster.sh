# tools/cluster.sh: the stack on a MariaDB Galera cluster, sourced by
# tools/quarry. `tools/quarry start --cluster N` (or QUARRY_CLUSTER=N) runs,
# all on loopback under var/cluster/:
#   galera1..N  one mariadbd per node (var/cluster/nodeK: datadir, socket,
#               log), SQL port BASE+K, Galera port BASE+10+K, IST BASE+20+K,
#               SST BASE+30+K (BASE: QUARRY_CLUSTER_PORT, 4400); the first
#               bootstraps the cluster (--wsrep-new-cluster) when no node
#               runs, every other one joins it
#   api1..P     P API pools (QUARRY_CLUSTER_POOLS, 2), pool K on node K (mod
#               N) only: a pool whose node leaves the primary component
#               answers 503 and nginx sends its requests to the other pools
#   jobd1..D    D dispatchers (QUARRY_CLUSTER_DISPATCHERS, 3), dispatcher K
#               on node K (mod N), the other nodes as its failover
#   nginx       one upstream with every pool's socket
# and one supervisor for all of them. docs/operations.md ("A Galera
# cluster") says how the same runs on real hosts.
#
# cluster_activate replaces the stack's functions that name its parts
# (supervised_parts, part_pid, part_start, db_start ...) with the cluster's;
# the single-node stack never calls anything here.

CLUSTER_PROVIDER=${QUARRY_GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}

# cluster_node_port K OFFSET: a port of node K.
cluster_node_port() { echo $((CLUSTER_PORT + $2 + $1)); }
cluster_node_dir() { echo "$CLUSTER_DIR/node$1"; }
cluster_node_sock() { echo "$CLUSTER_DIR/node$1/mysqld.sock"; }
# cluster_node_of K: the node the K-th pool or dispatcher talks to.
cluster_node_of() { echo $((($1 - 1) % CLUSTER_N + 1)); }

cluster_node_pid() { pid_of "$(cluster_node_dir "$1")/mariadb.pid" '^mariadbd$'; }

cluster_admin() {
	local k=$1
	shift
	mariadb --no-defaults --socket="$(cluster_node_sock "$k")" -u "$(db_os_user)" "$@"
}

# cluster_node_ready K: the node answers and is a synced member of the
# primary component.
cluster_node_ready() {
	local out
	out=$(cluster_admin "$1" --connect-timeout=2 -N -B -e \
		"SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_cluster_status', 'wsrep_local_state_comment')" 2>/dev/null) || return 1
	grep -q $'wsrep_ready\tON' <<<"$out" && grep -q $'wsrep_cluster_status\tPrimary' <<<"$out" &&
		grep -q $'wsrep_local_state_comment\tSynced' <<<"$out"
}

cluster_gcomm() {
	local k list=
	for ((k = 1; k <= CLUSTER_N; k++)); do
		list+="${list:+,}127.0.0.1:$(cluster_node_port "$k" 10)"
	done
	echo "gcomm://$list"
}

# cluster_node_start K: starts node K; it bootstraps a new cluster when no
# other node runs and its data is the newest (safe_to_bootstrap), else joins.
cluster_node_start() {
	local k=$1 dir pid user_opt=() i other bootstrap=() peers=0
	dir=$(cluster_node_dir "$k")
	if pid=$(cluster_node_pid "$k"); then
		say "galera$k: already running (pid $pid)"
		return 0
	fi
	command -v mariadbd >/dev/null || die "mariadbd not found: tools/quarry deps"
	[ -f "$CLUSTER_PROVIDER" ] || die "$CLUSTER_PROVIDER not found: tools/quarry deps (galera-4)"
	# As root, each node runs as the private MariaDB does (DB_RUN_USER, the
	# mysql user), in a folder the service user's group may enter (the socket).
	[ "$(id -u)" = 0 ] && user_opt=(--user="$DB_RUN_USER")
	mkdir -p "$dir/data" "$dir/tmp" "$LOG"
	if [ "$DROP" = 1 ]; then
		# cluster/: mysql (not of the group) walks through, nobody lists it.
		own "root:$SVC_GROUP" 751 "$CLUSTER_DIR"
		chown -R "$DB_RUN_USER:" "$dir"
		own "$DB_RUN_USER:$SVC_GROUP" 750 "$dir"
		log_file "galera$k.log" "$DB_RUN_USER:$SVC_GROUP"
	fi
	for ((other = 1; other <= CLUSTER_N; other++)); do
		[ "$other" = "$k" ] && continue
		cluster_node_pid "$other" >/dev/null && peers=$((peers + 1))
	done
	if [ "$peers" = 0 ]; then
		if [ ! -d "$dir/data/mysql" ]; then
			[ "$k" = 1 ] || die "galera$k: no node runs and node $k has no data: start node 1 first"
			say "galera$k: initialising $dir/data"
			mkdir -p "$dir/tmp"
			mariadb-install-db --no-defaults "${user_opt[@]}" --datadir="$dir/data" --tmpdir="$dir/tmp" \
				--auth-root-authentication-method=socket \
				--auth-root-socket-user="$(db_os_user)" --skip-test-db \
				>"$dir/install.log" 2>&1 ||
				{ tail -n 20 "$dir/install.log" >&2; die "mariadb-install-db failed"; }
		fi
		# The last node to stop has the newest data: mark it safe (a
		# development cluster; docs/operations.md says how to choose on hosts).
		if [ -f "$dir/data/grastate.dat" ]; then
			sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$dir/data/grastate.dat"
			[ "$DROP" = 1 ] && chown "$DB_RUN_USER:" "$dir/data/grastate.dat"
		fi
		bootstrap=(--wsrep-new-cluster)
	fi
	# A joiner without data gets it by SST (rsync). Started by root, the rsync
	# daemon that receives it runs as nobody: the empty datadir must be
	# writable by it (as the mysql user it is that user's own).
	if [ "$peers" != 0 ] && [ "$DB_RUN_USER" = root ] && [ -z "$(ls -A "$dir/data")" ]; then
		chown nobody: "$dir/data"
	fi
	rm -f "$(cluster_node_sock "$k")"
	mkdir -p "$dir/tmp"
	# wsrep-sync-wait=1 (causal reads): a read first waits until the node has
	# applied what the cluster committed before it, so a client's next
	# request on another node's pool sees its own write. On a node that does
	# not serve, that wait fails with 1205: the database layer answers 503.
	local args=(--no-defaults "${user_opt[@]}" --datadir="$dir/data" --tmpdir="$dir/tmp"
		--socket="$(cluster_node_sock "$k")" --port="$(cluster_node_port "$k" 0)"
		--bind-address=127.0.0.1 --pid-file="$dir/mariadb.pid"
		--innodb-buffer-pool-size=64M --innodb-log-buffer-size=8M
		--innodb-flush-log-at-trx-commit=2 --skip-log-bin
		--binlog-format=ROW --innodb-autoinc-lock-mode=2 --default-storage-engine=InnoDB
		--character-set-server=utf8mb4 --collation-server=utf8mb4_bin
		--skip-name-resolve --max-connections=300 --default-time-zone=+00:00
		--wsrep-on=ON --wsrep-provider="$CLUSTER_PROVIDER"
		--wsrep-cluster-name="quarry-$CLUSTER_PORT" --wsrep-cluster-address="$(cluster_gcomm)"
		--wsrep-node-name="node$k" --wsrep-node-address="127.0.0.1:$(cluster_node_port "$k" 10)"
		--wsrep-provider-options="base_port=$(cluster_node_port "$k" 10);ist.recv_addr=127.0.0.1:$(cluster_node_port "$k" 20);gcache.size=256M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S"
		--wsrep-sst-method=rsync --wsrep-sst-receive-address="127.0.0.1:$(cluster_node_port "$k" 30)"
		--wsrep-retry-autocommit=4 --wsrep-slave-threads=1 --log-bin-trust-function-creators=1
		--wsrep-sync-wait="${QUARRY_CLUSTER_SYNC_WAIT:-1}")
	# A node that did not stop cleanly (seqno -1) reads its last committed
	# position from InnoDB first (what mysqld_safe's --wsrep-recover does):
	# with it the node rejoins by IST, the write sets it missed, not a full SST.
	local recovered=() pos
	if [ -d "$dir/data/mysql" ] && grep -q '^seqno: *-1' "$dir/data/grastate.dat" 2>/dev/null; then
		rm -f "$dir/recover.log"
		# It prints the position early; seen once hanging after it (an error on
		# a table's .frm): it gets 60 s.
		timeout -s KILL 60 mariadbd "${args[@]}" --wsrep-recover --log-error="$dir/recover.log" \
			</dev/null >/dev/null 2>&1 || true
		pos=$(sed -n 's/.*WSREP: Recovered position: *//p' "$dir/recover.log" 2>/dev/null | tail -n 1)
		if [[ $pos =~ ^[0-9a-f-]+:[0-9]+$ ]]; then
			recovered=(--wsrep-start-position="$pos")
			say "galera$k: recovered position $pos"
		fi
	fi
	# MYSQL_TMP_DIR: the SST scripts' rsync daemon logs there (rsyncd.log),
	# not to a syslog the host may not have.
	MYSQL_TMP_DIR=$dir/tmp setsid mariadbd "${args[@]}" --log-error="$LOG/galera$k.log" "${recovered[@]}" \
		"${bootstrap[@]}" </dev/null >>"$LOG/galera$k.log" 2>&1 7>&- &
	pid=$!
	for ((i = 0; i < 1200; i++)); do
		cluster_node_ready "$k" && break
		alive "$pid" || { tail -n 20 "$LOG/galera$k.log" >&2; die "galera$k: mariadbd exited; see $LOG/galera$k.log"; }
		sleep 0.1
	done
	cluster_node_ready "$k" || { tail -n 20 "$LOG/galera$k.log" >&2; die "galera$k: not synced within 120 s"; }
	if [ "${#bootstrap[@]}" -gt 0 ]; then
		say "galera$k: started (pid $pid), bootstrapped the cluster"
	else
		say "galera$k: started (pid $pid), joined the cluster"
	fi
}

cluster_node_stop() {
	local pid
	if pid=$(cluster_node_pid "$1"); then
		terminate "$pid" "galera$1"
		say "galera$1: stopped"
	fi
	rm -f "$(cluster_node_dir "$1")/mariadb.pid"
}

cluster_pool_pid() { pid_of "$RUN/api$1.pid" '^multiwatch$'; }

cluster_pool_start() {
	local k=$1 pid i multiwatch node
	if pid=$(cluster_pool_pid "$k"); then
		say "api$k: already running (pid $pid)"
		return 0
	fi
	multiwatch=$(command -v multiwatch) || die "multiwatch not found: tools/quarry deps"
	node=$(cluster_node_of "$k")
	rm -f "$RUN/api$k.sock"
	# Pinned to its node (no failover): its health is that node's.
	# As root, the socket is the service user's and the pool drops to it
	# (pool_start in tools/quarry does the same).
	local drop=()
	[ "$DROP" = 1 ] && drop=(-u "$SVC_USER" -g "$SVC_GROUP" -U "$SVC_USER" -G "$SVC_GROUP")
	(
		umask 027
		export QUARRY_DB_SOCKET=$(cluster_node_sock "$node") QUARRY_DB_FAILOVER= \
			QUARRY_LOG_FILE=$LOG/api$k.log
		exec setsid spawn-fcgi -n -s "$RUN/api$k.sock" -M 0660 "${drop[@]}" -- \
			"$multiwatch" -f "$QUARRY_WORKERS" -r 25 -s TERM -- "$BIN/quarry-api"
	) </dev/null >>"$LOG/api$k.log" 2>&1 7>&- &
	pid=$!
	echo "$pid" >"$RUN/api$k.pid"
	for ((i = 0; i < 100; i++)); do
		[ -S "$RUN/api$k.sock" ] && cluster_pool_pid "$k" >/dev/null && break
		alive "$pid" || break
		sleep 0.1
	done
	cluster_pool_pid "$k" >/dev/null || { tail -n 20 "$LOG/api$k.log" >&2; die "api$k did not start; see $LOG/api$k.log"; }
	say "api$k: started (pid $pid, $QUARRY_WORKERS workers, node $node)"
}

cluster_pool_stop() {
	local pid workers w
	if pid=$(cluster_pool_pid "$1"); then
		workers=$(child_pids "$pid")
		terminate "$pid" multiwatch
		for w in $workers; do
			alive "$w" && terminate "$w" quarry-api
		done
		say "api$1: stopped"
	fi
	rm -f "$RUN/api$1.pid" "$RUN/api$1.sock"
}

cluster_jobd_pid() { pid_of "$RUN/jobd$1.pid" '^quarry-jobd$'; }

# cluster_failover K: the sockets of every node but K, from K's next on.
cluster_failover() {
	local k=$1 j list=
	for ((j = 1; j < CLUSTER_N; j++)); do
		list+="${list:+,}$(cluster_node_sock $(((k - 1 + j) % CLUSTER_N + 1)))"
	done
	echo "$list"
}

cluster_jobd_start() {
	local k=$1 pid i node wake
	if pid=$(cluster_jobd_pid "$k"); then
		say "jobd$k: already running (pid $pid)"
		return 0
	fi
	node=$(cluster_node_of "$k")
	# The API wakes the dispatcher of jobd_socket; the others poll, every 3 s:
	# a dispatcher counts as dead after 3 polls without a heartbeat, and one
	# busy retrying conflicts on a loaded node must not look dead (its jobs
	# would run twice). A dispatcher that has just ended a job claims at once.
	wake=$RUN/jobd$k.sock
	[ "$k" = 1 ] && wake=$RUN/jobd.sock
	(
		export QUARRY_DB_SOCKET=$(cluster_node_sock "$node") \
			QUARRY_DB_FAILOVER=$(cluster_failover "$node") \
			QUARRY_HOST_NAME="$(hostname)-d$k" QUARRY_JOBD_SOCKET=$wake \
			QUARRY_JOBD_POLL_MS=${QUARRY_JOBD_POLL_MS:-3000} \
			QUARRY_JOB_CLAIM_SPREAD=${QUARRY_JOB_CLAIM_SPREAD:-8} QUARRY_LOG_FILE=$LOG/jobd$k.log
		as_service setsid "$BIN/quarry-jobd"
	) </dev/null >>"$LOG/jobd$k.log" 2>&1 7>&- &
	echo $! >"$RUN/jobd$k.pid"
	for ((i = 0; i < 50; i++)); do
		cluster_jobd_pid "$k" >/dev/null && break
		sleep 0.1
	done
	pid=$(cluster_jobd_pid "$k") || { tail -n 20 "$LOG/jobd$k.log" >&2; die "jobd$k did not start; see $LOG/jobd$k.log"; }
	say "jobd$k: started (pid $pid, node $node)"
}

cluster_jobd_stop() {
	local pid
	if pid=$(cluster_jobd_pid "$1"); then
		terminate "$pid" "quarry-jobd $1"
		say "jobd$1: stopped"
	fi
	rm -f "$RUN/jobd$1.pid"
}

# cluster_render_nginx: the stack's nginx.conf, its API sockets replaced by
# one upstream of every pool. A pool that fails (connection refused, or a
# 503 while its node is out of the primary component) is left alone for
# fail_timeout; an idempotent request it failed goes to the next pool
# (nginx never passes a POST on once it was sent: it may have been applied).
cluster_render_nginx() {
	local out=$NGINX_DIR/nginx.conf k servers= n
	cluster_orig_render_nginx
	for ((k = 1; k <= CLUSTER_POOLS; k++)); do
		servers+="        server unix:$RUN/api$k.sock max_fails=1 fail_timeout=3s;\n"
	done
	n=$(grep -c "fastcgi_pass unix:$RUN/api.sock;" "$out" || true)
	[ "$n" -gt 0 ] || die "cluster: nginx.conf has no fastcgi_pass to the API socket to replace"
	sed -i -e "s|fastcgi_pass unix:$(sed_value "$RUN")/api.sock;|fastcgi_pass quarry_api; fastcgi_next_upstream error timeout http_503; fastcgi_next_upstream_tries $CLUSTER_POOLS;|" \
		-e "0,/^http {/s|^http {|http {\n    upstream quarry_api {\n$servers    }\n|" "$out"
	grep -q 'upstream quarry_api' "$out" || die "cluster: the upstream was not written into $out"
}

cluster_start_all_nodes() {
	local k
	mkdir -p "$RUN"
	save_stack_env # stop and status find the cluster even if this start fails
	for ((k = 1; k <= CLUSTER_N; k++)); do
		part_start "galera$k" || return 1
	done
}

# cluster_start_first: what start's database step starts. A new cluster is
# node 1 alone: the stack's setup and migrations run there, and the other
# nodes join afterwards (cluster_start_all_nodes, before the pools) and get
# the migrated data by SST. Migrations replicated as DDL to joined nodes
# went wrong on this setup: a node applied a row of a new table before the
# table (parallel appliers), and once every insert into jobs on a joined
# node failed on a trigger body (1064) that node 1 ran fine.
cluster_start_first() {
	local k
	for ((k = 2; k <= CLUSTER_N; k++)); do
		[ -d "$(cluster_node_dir "$k")/data/mysql" ] && { cluster_start_all_nodes; return; }
	done
	mkdir -p "$RUN"
	save_stack_env
	part_start galera1
}

cluster_stop_all() {
	local k
	supervisor_stop
	nginx_stop
	intake_stop
	for ((k = 1; k <= CLUSTER_DISPATCHERS; k++)); do cluster_jobd_stop "$k"; done
	for ((k = 1; k <= CLUSTER_POOLS; k++)); do cluster_pool_stop "$k"; done
	# The first node last: it has the newest data and bootstraps next time.
	for ((k = CLUSTER_N; k >= 1; k--)); do cluster_node_stop "$k"; done
	rm -f "$RUN"/*.down
	say "stopped"
}

cluster_status() {
	local k pid line
	for ((k = 1; k <= CLUSTER_N; k++)); do
		if pid=$(cluster_node_pid "$k"); then
			line=$(cluster_admin "$k" -N -B -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status', 'wsrep_local_state_comment', 'wsrep_cluster_size')" 2>/dev/null | awk '{printf "%s=%s ", $1, $2}')
			printf '%-10s %-8s %s\n' "galera$k" running "pid $pid, port $(cluster_node_port "$k" 0), ${line:-not answering}"
		else
			printf '%-10s %-8s %s\n' "galera$k" stopped "-"
		fi
	done
}

# cluster_activate: QUARRY_CLUSTER=N is set; the stack's functions become
# the cluster's. Called by main after load_settings.
cluster_activate() {
	CLUSTER_N=$QUARRY_CLUSTER
	[[ $CLUSTER_N =~ ^[1-9]$ ]] || die "--cluster N: N is 1 to 9"
	CLUSTER_DIR=$VAR/cluster
	CLUSTER_PORT=${QUARRY_CLUSTER_PORT:-4400}
	CLUSTER_POOLS=${QUARRY_CLUSTER_POOLS:-2}
	CLUSTER_DISPATCHERS=${QUARRY_CLUSTER_DISPATCHERS:-3}
	for v in CLUSTER_PORT CLUSTER_POOLS CLUSTER_DISPATCHERS; do
		[[ ${!v} =~ ^[0-9]+$ ]] || die "QUARRY_$v must be a number"
	done
	[ "$QUARRY_DB_EXTERNAL" = 1 ] && die "--cluster runs its own nodes: unset QUARRY_DB_EXTERNAL"
	# The stack script's own steps (setup, migrations, the client) use node 1.
	DB_SOCKET=$(cluster_node_sock 1)
	eval "cluster_orig_render_nginx() $(declare -f render_nginx | tail -n +2)"
	eval "cluster_orig_part_pid() $(declare -f part_pid | tail -n +2)"
	eval "cluster_orig_part_start() $(declare -f part_start | tail -n +2)"
	eval "cluster_orig_cmd_status() $(declare -f cmd_status | tail -n +2)"

	supervised_parts() {
		local k
		for ((k = 1; k <= CLUSTER_N; k++)); do echo "galera$k"; done
		for ((k = 1; k <= CLUSTER_POOLS; k++)); do echo "api$k"; done
		for ((k = 1; k <= CLUSTER_DISPATCHERS; k++)); do echo "jobd$k"; done
		[ "$QUARRY_INTAKE" = amqp ] && [ "${QUARRY_AMQP_EXTERNAL:-0}" != 1 ] && echo rabbitmq
		[ "$QUARRY_INTAKE" = amqp ] && echo intake
		echo nginx
	}
	part_pid() {
		case $1 in
		galera[0-9]) cluster_node_pid "${1#galera}" ;;
		api[0-9]*) cluster_pool_pid "${1#api}" ;;
		jobd[0-9]*) cluster_jobd_pid "${1#jobd}" ;;
		mariadb) cluster_node_pid 1 ;;
		*) cluster_orig_part_pid "$1" ;;
		esac
	}
	part_start() {
		case $1 in
		mariadb) cluster_start_first ;;
		galera[0-9] | api[0-9]* | jobd[0-9]*)
			(
				flock 7
				case $1 in
				galera[0-9]) cluster_node_start "${1#galera}" ;;
				api[0-9]*) cluster_pool_start "${1#api}" ;;
				jobd[0-9]*) cluster_jobd_start "${1#jobd}" ;;
				esac
			) 7>"$RUN/start.lock"
			;;
		api | jobd)
			local k n=$CLUSTER_POOLS
			# Every node runs before any pool (start: after the migrations).
			cluster_start_all_nodes || return 1
			[ "$1" = jobd ] && n=$CLUSTER_DISPATCHERS
			for ((k = 1; k <= n; k++)); do part_start "$1$k" || return 1; done
			;;
		*) cluster_orig_part_start "$1" ;;
		esac
	}
	part_leftovers() {
		local pid comm
		case $1 in api[0-9]* | nginx) ;; *) return 0 ;; esac
		for pid in $(pgrep -g "$2" 2>/dev/null); do
			read -r comm <"/proc/$pid/comm" 2>/dev/null || continue
			[[ $comm == quarry-api || $comm == nginx ]] && kill -TERM "$pid" 2>/dev/null
		done
		return 0
	}
	db_root() { cluster_admin 1 "$@"; }
	db_ping() { cluster_node_ready 1; }
	db_start() { cluster_start_all_nodes; }
	db_stop() { local k; for ((k = CLUSTER_N; k >= 1; k--)); do cluster_node_stop "$k"; done; }
	render_nginx() { cluster_render_nginx; }
	cmd_stop() { cluster_stop_all; }
	cmd_db_stop() { die "db-stop: not for a cluster (stop a node: kill its mariadbd; the supervisor restarts it)"; }
	cmd_db_start() { cluster_start_all_nodes; }
	cmd_status() {
		local rc=0
		cluster_orig_cmd_status || rc=$?
		cluster_status
		return "$rc"
	}
}
