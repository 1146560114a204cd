{
  "targets": [
    {
      "target_name": "berth_sys",
      "sources": ["sys.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
