// The grains assembly; see Sync/ for the pure sync logic, Storage/ for the replicated journal, and the grain classes beside them.
