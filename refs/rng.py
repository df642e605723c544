"""Reference values for crates/dojo/src/nn/rng.rs: SplitMix64 and xoshiro256**.

An independent transcription of the published algorithms (Steele et al. 2014; Blackman & Vigna
2021) in plain Python 3 (no packages). Run: python3 refs/rng.py
Prints the first outputs the Rust tests check.
"""

M = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


def xoshiro_stream(seed, n):
    state, s = seed, []
    for _ in range(4):
        state, out = splitmix64(state)
        s.append(out)
    outs = []
    for _ in range(n):
        outs.append((rotl((s[1] * 5) & M, 7) * 9) & M)
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return outs


if __name__ == "__main__":
    print("splitmix64(0) first output:", hex(splitmix64(0)[1]))
    print("xoshiro256** seeded 42, first 3:", [hex(x) for x in xoshiro_stream(42, 3)])
