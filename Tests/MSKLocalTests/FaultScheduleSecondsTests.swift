import MSKLocal
import Testing

/// The one way msk-local's command line and `kafka-soak drive` turn seconds into a schedule.
@Suite struct FaultScheduleSecondsTests {
    @Test func secondsBecomeDurationsAndNilIsOff() throws {
        let schedule = try FaultSchedule(seconds: 2.5, brokerOutageEvery: nil, brokerOutageLength: 12, stsOutageEvery: 86_400, stsOutageLength: 0.001,
                                         rejectEvery: nil, rejectCount: 3)
        #expect(schedule.dropConnectionsEvery == .milliseconds(2_500))
        #expect(schedule.brokerOutageEvery == nil && schedule.rejectAuthenticationsEvery == nil)
        #expect(schedule.brokerOutageLength == .seconds(12))
        #expect(schedule.stsOutageEvery == .seconds(86_400) && schedule.stsOutageLength == .milliseconds(1))
        #expect(schedule.rejectCount == 3)
    }

    @Test(arguments: [0, -1, .nan, .infinity, 86_400.5, 1e300])
    func outOfRangeSecondsAreRefusedNamingTheOption(value: Double) {
        #expect {
            try FaultSchedule(seconds: nil, brokerOutageEvery: nil, brokerOutageLength: 5, stsOutageEvery: nil, stsOutageLength: 10, rejectEvery: value)
        } throws: { error in
            (error as? FaultSchedule.OutOfRange)?.option == "reject-every" && "\(error)" == "--reject-every must be a number of seconds in (0, 86400]"
        }
        #expect {
            try FaultSchedule(seconds: nil, brokerOutageEvery: nil, brokerOutageLength: value, stsOutageEvery: nil, stsOutageLength: 10, rejectEvery: nil)
        } throws: { error in
            (error as? FaultSchedule.OutOfRange)?.option == "broker-outage-length"
        }
    }
}
