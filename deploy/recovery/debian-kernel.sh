# shellcheck shell=bash
# Sourced by deploy/recovery/build and deploy/dev/netboot-lab: a Debian kernel package's vmlinuz and a
# few of its modules, with everything they depend on, for a small busybox initramfs.

# Installs the Debian packages named that are missing (as root).
need() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Prints the versioned kernel package a metapackage (linux-image-amd64, linux-image-cloud-amd64) points
# at today, e.g. linux-image-6.1.0-57-amd64.
kernel_package() {
  local meta=$1 package
  package=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  if [ -z "$package" ]; then
    apt-get update -qq
    package=$(apt-cache depends "$meta" | awk '/Depends: linux-image-/ {print $2; exit}')
  fi
  [ -n "$package" ] || { echo "no kernel package behind $meta" >&2; return 1; }
  echo "$package"
}

# kernel_fetch PACKAGE DIR MODULE...: downloads PACKAGE and writes DIR/vmlinuz, DIR/modules/NAME.ko for
# each MODULE and every module it needs, and DIR/modules/load-order (one NAME a line, dependencies
# first, for insmod). The package ships no modules.dep (its postinst runs depmod), so depmod runs here.
kernel_fetch() {
  local package=$1 dir=$2 version tree paths path name
  shift 2
  version=${package#linux-image-}
  mkdir -p "$dir/unpacked" "$dir/modules"
  (cd "$dir" && apt-get download "$package" >/dev/null 2>&1)
  dpkg-deb -x "$dir/$package"_*.deb "$dir/unpacked"
  cp "$dir/unpacked/boot/vmlinuz-$version" "$dir/vmlinuz"
  tree="$dir/unpacked/lib/modules/$version"
  depmod -b "$dir/unpacked" "$version"
  paths=$(module_closure "$tree" "$@")
  : > "$dir/modules/load-order"
  for path in $paths; do
    name=$(basename "$path")
    name=${name%%.ko*}
    case "$path" in
      *.ko) cp "$tree/$path" "$dir/modules/$name.ko" ;;
      *.ko.xz) xz -dc "$tree/$path" > "$dir/modules/$name.ko" ;;
      *.ko.zst) zstd -qdc "$tree/$path" > "$dir/modules/$name.ko" ;;
    esac
    echo "$name" >> "$dir/modules/load-order"
  done
  rm -rf "$dir/unpacked" "$dir/$package"_*.deb
}

# module_closure TREE MODULE...: the module files (relative to TREE) that MODULE... need, from depmod's
# modules.dep and the "pre:" soft dependencies that name a module (r8169's PHY driver, realtek), in load
# order. A module built into the kernel needs nothing; a name that is neither is an error.
module_closure() {
  local tree=$1
  shift
  awk -v wanted="$*" '
    function name_of(path) { sub(/.*\//, "", path); sub(/\.ko(\..*)?$/, "", path); gsub("-", "_", path); return path }
    function visit(m, top,   list, n, i) {
      m = name_of(m)
      if (m in seen) return
      seen[m] = 1
      if (!(m in file)) {
        if (top && !(m in builtin)) { print "no module " m " in this kernel" > "/dev/stderr"; failed = 1 }
        return
      }
      n = split(soft[m] " " deps[m], list, " ")
      for (i = 1; i <= n; i++) visit(list[i], 0)
      print file[m]
    }
    FILENAME ~ /modules\.dep$/ {
      path = $1; sub(/:$/, "", path); m = name_of(path); file[m] = path
      for (i = 2; i <= NF; i++) deps[m] = deps[m] " " $i
    }
    FILENAME ~ /modules\.softdep$/ && $1 == "softdep" {
      pre = 0
      for (i = 3; i <= NF; i++) {
        if ($i == "pre:") pre = 1; else if ($i == "post:") pre = 0; else if (pre) soft[name_of($2)] = soft[name_of($2)] " " $i
      }
    }
    FILENAME ~ /modules\.builtin$/ { builtin[name_of($0)] = 1 }
    END {
      n = split(wanted, top, " ")
      for (i = 1; i <= n; i++) visit(top[i], 1)
      exit failed
    }
  ' "$tree/modules.dep" "$tree/modules.softdep" "$tree/modules.builtin"
}
