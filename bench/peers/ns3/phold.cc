// PHOLD on ns-3's Simulator, for comparison with "mimisim bench phold" (see bench/peers/README.md).
//
// 1024 logical processes (--lps), 16 initial events each (--pop); handling an event schedules one
// new event at a uniformly random LP after an Exp(mean 1 s) delay. The run stops after --events
// events; the line printed has the same format as mimisim's, with sim=ns3 and the scheduler.
//
// --scheduler=map|heap|calendar|priority|list runs that scheduler. --scheduler=best (the
// default) first runs a short trial of each (a tenth of the events, at most 2 M; 5000 for list),
// then measures the fastest over the full run; the trials go to stderr. --rng=fast (default) draws from a small xoshiro256** generator written
// here, so that the figure measures the event loop the same way mimisim's does (mimisim draws from
// Go's PCG); --rng=ns3 uses ns-3's own UniformRandomVariable/ExponentialRandomVariable streams.
#include "ns3/core-module.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

// xoshiro256** seeded through splitmix64 (public-domain algorithms by Blackman and Vigna),
// written from their published description.
struct Fast
{
    uint64_t s[4];

    explicit Fast(uint64_t seed)
    {
        for (auto& w : s)
        {
            seed += 0x9e3779b97f4a7c15ULL;
            uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            w = z ^ (z >> 31);
        }
    }

    static uint64_t Rotl(uint64_t x, int k)
    {
        return (x << k) | (x >> (64 - k));
    }

    uint64_t Next()
    {
        uint64_t r = Rotl(s[1] * 5, 7) * 9;
        uint64_t t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = Rotl(s[3], 45);
        return r;
    }

    // Uniform in [0, n): the high word of a 64x64 multiply (bias below 2^-50 for small n).
    uint32_t Below(uint32_t n)
    {
        return static_cast<uint32_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
    }

    // Uniform in (0, 1].
    double Open()
    {
        return static_cast<double>((Next() >> 11) + 1) * 0x1.0p-53;
    }

    double Exp()
    {
        return -std::log(Open());
    }
};

struct Model
{
    uint32_t lps = 1024;
    uint32_t pop = 16;
    uint64_t events = 5000000;
    uint64_t seed = 1;
    bool ns3rng = false;

    uint64_t left = 0;
    std::vector<uint64_t> count;
    Fast* fast = nullptr;
    Ptr<UniformRandomVariable> uni;
    Ptr<ExponentialRandomVariable> exp;
};

Model g;

inline uint32_t
Destination()
{
    return g.ns3rng ? g.uni->GetInteger(0, g.lps - 1) : g.fast->Below(g.lps);
}

inline Time
Delay()
{
    double s = g.ns3rng ? g.exp->GetValue() : g.fast->Exp();
    return NanoSeconds(static_cast<int64_t>(s * 1e9));
}

void
Handle(uint32_t lp)
{
    g.count[lp]++;
    if (--g.left == 0)
    {
        Simulator::Stop();
        return;
    }
    Simulator::Schedule(Delay(), &Handle, Destination());
}

struct Outcome
{
    uint64_t handled;
    double wall;
    double end;
};

Outcome
RunOnce(const std::string& typeId, uint64_t events)
{
    ObjectFactory f;
    f.SetTypeId(typeId);
    Simulator::SetScheduler(f);
    Fast fast(g.seed);
    g.fast = &fast;
    if (g.ns3rng)
    {
        RngSeedManager::SetSeed(static_cast<uint32_t>(g.seed == 0 ? 1 : g.seed));
        g.uni = CreateObject<UniformRandomVariable>();
        g.exp = CreateObject<ExponentialRandomVariable>();
        g.exp->SetAttribute("Mean", DoubleValue(1.0));
    }
    g.left = events;
    g.count.assign(g.lps, 0);
    for (uint32_t i = 0; i < g.lps; i++)
    {
        for (uint32_t j = 0; j < g.pop; j++)
        {
            Simulator::Schedule(Delay(), &Handle, i);
        }
    }
    auto start = std::chrono::steady_clock::now();
    Simulator::Run();
    auto stop = std::chrono::steady_clock::now();
    Outcome o;
    o.handled = events - g.left;
    o.wall = std::chrono::duration<double>(stop - start).count();
    o.end = Simulator::Now().GetSeconds();
    Simulator::Destroy();
    g.fast = nullptr;
    return o;
}

struct Sched
{
    const char* name;
    const char* typeId;
    uint64_t maxTrial; // events in its trial at most (list inserts in O(n): 16384 pending
                       // events make it about 500 times slower than the others)
};

const Sched kScheds[] = {
    {"map", "ns3::MapScheduler", 2000000},
    {"heap", "ns3::HeapScheduler", 2000000},
    {"calendar", "ns3::CalendarScheduler", 2000000},
    {"priority", "ns3::PriorityQueueScheduler", 2000000},
    {"list", "ns3::ListScheduler", 5000},
};

bool
Flag(const char* arg, const char* name, std::string* val)
{
    size_t n = std::strlen(name);
    if (std::strncmp(arg, name, n) == 0 && arg[n] == '=')
    {
        *val = arg + n + 1;
        return true;
    }
    return false;
}

[[noreturn]] void
Usage(const char* msg)
{
    std::fprintf(stderr,
                 "phold-ns3: %s\nusage: phold-ns3 [--lps=N] [--pop=N] [--events=N] [--seed=N] "
                 "[--scheduler=best|map|heap|calendar|priority|list] [--rng=fast|ns3]\n",
                 msg);
    std::exit(2);
}

} // namespace

int
main(int argc, char** argv)
{
    std::string sched = "best";
    std::string rng = "fast";
    for (int i = 1; i < argc; i++)
    {
        std::string v;
        if (Flag(argv[i], "--lps", &v))
            g.lps = std::stoul(v);
        else if (Flag(argv[i], "--pop", &v))
            g.pop = std::stoul(v);
        else if (Flag(argv[i], "--events", &v))
            g.events = std::stoull(v);
        else if (Flag(argv[i], "--seed", &v))
            g.seed = std::stoull(v);
        else if (Flag(argv[i], "--scheduler", &v))
            sched = v;
        else if (Flag(argv[i], "--rng", &v))
            rng = v;
        else
            Usage((std::string("unknown argument ") + argv[i]).c_str());
    }
    if (g.lps == 0 || g.pop == 0 || g.events == 0)
        Usage("lps, pop and events must be positive");
    if (rng != "fast" && rng != "ns3")
        Usage("--rng must be fast or ns3");
    g.ns3rng = rng == "ns3";

    const Sched* pick = nullptr;
    if (sched == "best")
    {
        double bestRate = 0;
        for (const Sched& s : kScheds)
        {
            uint64_t n = std::min(g.events / 10, s.maxTrial);
            if (n < 1000)
                n = 1000;
            Outcome o = RunOnce(s.typeId, n);
            double rate = o.handled / o.wall;
            std::fprintf(stderr,
                         "phold-ns3 trial: scheduler=%s events=%llu events_per_s=%.0f\n",
                         s.name,
                         static_cast<unsigned long long>(o.handled),
                         rate);
            if (rate > bestRate)
            {
                bestRate = rate;
                pick = &s;
            }
        }
    }
    else
    {
        for (const Sched& s : kScheds)
            if (sched == s.name)
                pick = &s;
        if (pick == nullptr)
            Usage(("unknown scheduler " + sched).c_str());
    }

    Outcome o = RunOnce(pick->typeId, g.events);
    std::printf("phold sim=ns3 scheduler=%s rng=%s lps=%u pop=%u events=%llu wall_s=%.3f "
                "events_per_s=%.0f\n",
                pick->name,
                rng.c_str(),
                g.lps,
                g.pop,
                static_cast<unsigned long long>(o.handled),
                o.wall,
                o.handled / o.wall);
    std::fprintf(stderr, "phold-ns3: last event at virtual %.6f s\n", o.end);
    return 0;
}
