{
  "targets": [
    {
      "target_name": "tsshim_native",
      "sources": ["src/native/addon.c", "src/native/memory.cc"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-D_GNU_SOURCE"],
      "libraries": ["-lpthread"]
    },
    {
      "target_name": "tsshim_start",
      "type": "executable",
      "sources": ["src/native/start-client.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
