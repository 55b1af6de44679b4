{
  "targets": [
    {
      "target_name": "tsshim_native",
      "sources": ["src/native/addon.c", "src/native/memory.cc"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-D_GNU_SOURCE"],
      "libraries": ["-lpthread"]
    }
  ]
}
