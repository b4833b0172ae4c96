import Foundation
import XCTest

/// deploy/kubernetes, with no cluster: every manifest passes `kubernetes-validate --strict`
/// (PyPI; scripts/install-deps puts it in /opt/icpaudit-tools), and the pieces agree on N.
final class DeployTests: XCTestCase {
    private let manifests = Farm.repo.appendingPathComponent("deploy/kubernetes")

    private var tools: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.environment["ICPAUDIT_TOOLS"] ?? "/opt/icpaudit-tools").appendingPathComponent("bin")
    }

    private func validate(_ files: [String]) throws -> Farm.Run {
        let validator = tools.appendingPathComponent("kubernetes-validate").path
        guard FileManager.default.isExecutableFile(atPath: validator) else {
            XCTFail("kubernetes-validate is not installed: run scripts/install-deps")
            throw XCTSkip("no kubernetes-validate")
        }
        return try Farm.command(validator, ["--strict"] + files)
    }

    /// The documents of a YAML file, read with the PyYAML that kubernetes-validate brings.
    private func documents(_ file: String) throws -> [[String: Any]] {
        let run = try Farm.command(tools.appendingPathComponent("python").path,
                                   ["-c", "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))", file])
        XCTAssertEqual(run.status, 0, run.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
    }

    func testManifestsPassStrictValidation() throws {
        let kustomization = try XCTUnwrap(try documents(manifests.appendingPathComponent("kustomization.yaml").path).first)
        let resources = try XCTUnwrap(kustomization["resources"] as? [String])
        let files = try FileManager.default.contentsOfDirectory(atPath: manifests.path).filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }
        XCTAssertEqual(resources.sorted(), files.sorted(), "kustomization.yaml lists every manifest")
        let run = try validate(files.map { manifests.appendingPathComponent($0).path })
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        for file in files { XCTAssertTrue(run.stdout.contains("\(file) passed"), "\(file): \(run.stdout)") }

        // The validator is strict: a misspelt field fails it.
        let shards = try String(contentsOf: manifests.appendingPathComponent("cronjob-shards.yaml"), encoding: .utf8)
        let misspelt = Farm.tempDir().appendingPathComponent("cronjob.yaml")
        try shards.replacingOccurrences(of: "parallelism:", with: "paralelism:").write(to: misspelt, atomically: true, encoding: .utf8)
        let refused = try validate([misspelt.path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stdout.contains("'paralelism' was unexpected"), refused.stdout)
    }

    /// One N everywhere: the Indexed Job's completions and parallelism, its pods' auto/N, and
    /// the fan-in's shard count; both CronJobs on one schedule (the night's name comes from it).
    func testTheIndexedJobAndTheFanInAgree() throws {
        func spec(_ file: String) throws -> (cron: [String: Any], job: [String: Any], container: [String: Any]) {
            let cron = try XCTUnwrap(try documents(manifests.appendingPathComponent(file).path).first)
            let cronSpec = try XCTUnwrap(cron["spec"] as? [String: Any])
            let job = try XCTUnwrap((cronSpec["jobTemplate"] as? [String: Any])?["spec"] as? [String: Any])
            let pod = try XCTUnwrap((job["template"] as? [String: Any])?["spec"] as? [String: Any])
            return (cronSpec, job, try XCTUnwrap((pod["containers"] as? [[String: Any]])?.first))
        }
        let shards = try spec("cronjob-shards.yaml"), fanin = try spec("cronjob-fanin.yaml")
        XCTAssertEqual(shards.job["completionMode"] as? String, "Indexed")
        let n = try XCTUnwrap(shards.job["completions"] as? Int)
        XCTAssertEqual(shards.job["parallelism"] as? Int, n)
        let script = (shards.container["args"] as? [String] ?? []).joined()
        XCTAssertTrue(script.contains("shard-scan /data/inventory.csv \"/data/shards/$night\" auto/\(n) "), script)
        let env = fanin.container["env"] as? [[String: Any]] ?? []
        XCTAssertEqual(env.first { $0["name"] as? String == "SHARDS" }?["value"] as? String, String(n))
        XCTAssertEqual(shards.cron["schedule"] as? String, fanin.cron["schedule"] as? String)
        for container in [shards.container, fanin.container] {
            let resources = container["resources"] as? [String: [String: String]] ?? [:]
            XCTAssertEqual(Set(resources.keys), ["requests", "limits"])
            XCTAssertEqual(Set(resources["limits"]?.keys ?? [:].keys), ["cpu", "memory"])
        }
    }
}
