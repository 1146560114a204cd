{
  "targets": [
    {
      "target_name": "berth_sys",
      "sources": ["sys.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    },
    {
      "target_name": "berth-crun-hybrid",
      "type": "executable",
      "sources": ["crun-hybrid.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
